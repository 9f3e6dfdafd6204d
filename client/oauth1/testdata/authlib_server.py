"""An OAuth 1.0 provider built on Authlib's Flask integration.

The interoperability tests of package oauth1 run it as the server side of
the three-legged flow. Everything is kept in memory. Usage:

    python3 authlib_server.py PORT CONFIG.json

CONFIG.json holds the TLS certificate and key files and the clients:

    {"cert": "...", "key": "...",
     "clients": [{"client_id": "...", "client_secret": "...",
                  "rsa_public_key": "PEM", "redirect_uri": "..."}]}

GET /health answers once the server is up. GET /oauth/authorize stands for
the login and consent pages: the resource owner "jane" approves, unless
the query has deny=1.
"""

import base64
import hashlib
import hmac
import json
import sys

from flask import Flask, jsonify, request
from authlib.integrations.flask_oauth1 import (
    AuthorizationServer,
    ResourceProtector,
    current_credential,
)
from authlib.oauth1 import TemporaryCredential
from authlib.oauth1.errors import OAuth1Error
from authlib.oauth1.rfc5849 import signature
from authlib.oauth1.rfc5849.util import escape


class Client:
    def __init__(self, d):
        self.client_id = d["client_id"]
        self.client_secret = d.get("client_secret", "")
        self.rsa_public_key = d.get("rsa_public_key", "")
        self.redirect_uri = d.get("redirect_uri", "")

    def get_default_redirect_uri(self):
        return self.redirect_uri

    def get_client_secret(self):
        return self.client_secret

    def get_rsa_public_key(self):
        return self.rsa_public_key


class User:
    def __init__(self, user_id):
        self.user_id = user_id

    def get_user_id(self):
        return self.user_id


class Store:
    """In-memory models: clients, temporary and token credentials, nonces."""

    def __init__(self, clients):
        self.clients = {c["client_id"]: Client(c) for c in clients}
        self.temporary = {}
        self.tokens = {}
        self.nonces = set()

    def query_client(self, client_id):
        return self.clients.get(client_id)

    def create_temporary_credential(self, token, client_id, redirect_uri):
        cred = TemporaryCredential(token)
        cred["client_id"] = client_id
        cred["oauth_callback"] = redirect_uri
        self.temporary[cred.get_oauth_token()] = cred
        return cred

    def get_temporary_credential(self, oauth_token):
        return self.temporary.get(oauth_token)

    def delete_temporary_credential(self, oauth_token):
        self.temporary.pop(oauth_token, None)

    def create_authorization_verifier(self, credential, grant_user, verifier):
        credential["oauth_verifier"] = verifier
        credential["user_id"] = grant_user.get_user_id()

    def create_token_credential(self, token, temporary_credential):
        cred = TemporaryCredential(token)
        cred["client_id"] = temporary_credential.get_client_id()
        cred["user_id"] = temporary_credential.get_user_id()
        self.tokens[cred.get_oauth_token()] = cred
        return cred

    def query_token(self, client_id, oauth_token):
        cred = self.tokens.get(oauth_token)
        if cred and cred.get_client_id() == client_id:
            return cred
        return None

    def exists_nonce(self, nonce, timestamp, client_id, oauth_token):
        key = (nonce, timestamp, client_id, oauth_token)
        if key in self.nonces:
            return True
        self.nonces.add(key)
        return False


def verify_hmac_sha256(req):
    """HMAC-SHA256: the HMAC-SHA1 construction of RFC 5849 §3.4.2 with SHA-256."""
    base = signature.generate_signature_base_string(req)
    key = escape(req.client_secret or "") + "&" + escape(req.token_secret or "")
    mac = hmac.new(key.encode(), base.encode(), hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(mac).decode(), req.signature)


def create_app(config):
    app = Flask(__name__)
    app.config["OAUTH1_SUPPORTED_SIGNATURE_METHODS"] = [
        "HMAC-SHA1", "HMAC-SHA256", "RSA-SHA1", "PLAINTEXT"]
    AuthorizationServer.register_signature_method("HMAC-SHA256", verify_hmac_sha256)
    store = Store(config["clients"])

    server = AuthorizationServer(app, query_client=store.query_client)
    for name in ("exists_nonce", "create_temporary_credential",
                 "get_temporary_credential", "delete_temporary_credential",
                 "create_authorization_verifier", "create_token_credential"):
        server.register_hook(name, getattr(store, name))
    require_oauth = ResourceProtector(
        app, query_client=store.query_client,
        query_token=store.query_token, exists_nonce=store.exists_nonce)

    @app.get("/health")
    def health():
        return "ok"

    @app.post("/oauth/initiate")
    def initiate():
        return server.create_temporary_credentials_response()

    @app.get("/oauth/authorize")
    def authorize():
        try:
            server.check_authorization_request()
        except OAuth1Error as error:
            return jsonify(dict(error.get_body())), error.status_code
        user = None if request.args.get("deny") == "1" else User("jane")
        return server.create_authorization_response(grant_user=user)

    @app.post("/oauth/token")
    def token():
        return server.create_token_response()

    @app.route("/api/me", methods=["GET", "POST"])
    @require_oauth()
    def me():
        return jsonify(
            user=current_credential["user_id"],
            client=current_credential["client_id"],
            method=request.method,
            query=request.args.to_dict(flat=False),
            form=request.form.to_dict(flat=False),
        )

    return app


def main():
    port = int(sys.argv[1])
    with open(sys.argv[2]) as f:
        config = json.load(f)
    app = create_app(config)
    app.run(host="127.0.0.1", port=port, ssl_context=(config["cert"], config["key"]),
            threaded=False, use_reloader=False, debug=False)


if __name__ == "__main__":
    main()
