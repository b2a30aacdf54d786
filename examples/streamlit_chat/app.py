"""A small chat that streams its answers with st.write_stream from the OpenAI client.

Pointed at `tokentape serve`, it plays recorded answers at their recorded
timing: a demo that looks live, with no key and no network. Pointed at
`tokentape proxy`, every answer it gets from the real API is recorded.
See README.md next to this file.
"""

import os

import streamlit as st
from openai import OpenAI

BASE_URL = os.environ.get("OPENAI_BASE_URL", "http://127.0.0.1:8788/v1")
MODEL = os.environ.get("CHAT_MODEL", "gpt-4o-mini")
# tokentape serve takes any key; the real API (through the proxy) needs yours.
client = OpenAI(base_url=BASE_URL, api_key=os.environ.get("OPENAI_API_KEY") or "tokentape-serve-needs-no-key")

st.set_page_config(page_title="Chat", page_icon=":speech_balloon:")
st.title("Chat")
st.caption(f"{MODEL} at {BASE_URL}")

if "messages" not in st.session_state:
    st.session_state.messages = []

for message in st.session_state.messages:
    with st.chat_message(message["role"]):
        st.markdown(message["content"])

if prompt := st.chat_input("Ask anything"):
    st.session_state.messages.append({"role": "user", "content": prompt})
    with st.chat_message("user"):
        st.markdown(prompt)
    with st.chat_message("assistant"):
        stream = client.chat.completions.create(model=MODEL, messages=st.session_state.messages, stream=True)
        answer = st.write_stream(stream)
    st.session_state.messages.append({"role": "assistant", "content": answer})
