"""An https upstream for the proxy tests: one OpenAI-style stream per POST.

Usage: python3 tls_upstream.py CERT.pem KEY.pem
Prints the port it listens on (127.0.0.1, a free one), then serves until killed.
Standard library only, so it runs with the system's python3.
"""

import http.server
import ssl
import sys

HEAD = '"id":"chatcmpl-tls","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini"'
EVENTS = [
    'data: {%s,"choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]}\n\n' % HEAD,
    'data: {%s,"choices":[{"index":0,"delta":{"content":" over TLS"},"finish_reason":null}]}\n\n' % HEAD,
    'data: {%s,"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n' % HEAD,
    "data: [DONE]\n\n",
]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        for event in EVENTS:
            data = event.encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def log_message(self, *args):
        pass


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
