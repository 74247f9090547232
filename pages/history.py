import streamlit as st

st.title("history")
st.info("Not available yet.")
