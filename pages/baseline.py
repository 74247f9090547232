import streamlit as st

st.title("baseline")
st.info("Not available yet.")
