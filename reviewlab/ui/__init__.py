"""Shared Streamlit pieces (the only part of reviewlab that imports streamlit)."""
