"""An agency's receiver for the outside check of event delivery.

Verifies every delivery with the `standardwebhooks` package (an implementation of the Standard
Webhooks scheme independent of ours), checks that a changed body is refused, and appends one JSON
line per request to $RESULTS. Answers 204 to a valid delivery and 400 otherwise.
"""

import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

SECRET = os.environ["WEBHOOK_SECRET"]
RESULTS = os.environ["RESULTS"]
PORT = int(os.environ["PORT"])
HOOK = Webhook(SECRET)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        result = {"id": headers.get("webhook-id")}
        try:
            payload = HOOK.verify(body, headers)
            result.update(ok=True, type=payload["type"], data=payload["data"])
            try:
                HOOK.verify(body + b" ", headers)
                result["tamper_refused"] = False
            except WebhookVerificationError:
                result["tamper_refused"] = True
        except WebhookVerificationError as e:
            result.update(ok=False, error=str(e))
        with open(RESULTS, "a", encoding="utf-8") as f:
            f.write(json.dumps(result, ensure_ascii=False) + "\n")
        self.send_response(204 if result["ok"] else 400)
        self.end_headers()

    def log_message(self, *args):
        pass


HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
