import streamlit as st

st.title("privacy")
st.info("Not available yet.")
