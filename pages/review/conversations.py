import streamlit as st

st.info("Under construction (being built in this session).")
