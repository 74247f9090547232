import streamlit as st

st.title("report")
st.info("Not available yet.")
