"""mitmproxy addon for the proxy benchmark: stream every response body
through as it arrives, instead of buffering it whole (mitmproxy's default)."""


def responseheaders(flow):
    flow.response.stream = True
