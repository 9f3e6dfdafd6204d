"""An OAuth 2.0 provider built on Authlib's Flask integration.

The interoperability tests of package client run it as a provider of the
authorization code grant with PKCE and of the refresh token grant, with a
protected resource. Everything is kept in memory. Usage:

    python3 authlib_oauth2_server.py PORT CONFIG.json

CONFIG.json holds the TLS certificate and key files and the clients:

    {"cert": "...", "key": "...",
     "clients": [{"client_id": "...", "client_secret": "...",
                  "auth_method": "client_secret_basic",
                  "redirect_uris": ["..."], "scope": "profile email"}]}

GET /health answers once the server is up. GET /oauth/authorize stands for
the login and consent pages: the resource owner "jane" approves, unless the
query has deny=1. Access tokens live an hour. Refresh tokens are rotated;
a used one is refused. GET /api/me is the protected resource; it needs
the scope "profile".
"""

import json
import sys
import time

from flask import Flask, jsonify, request
from authlib.integrations.flask_oauth2 import (
    AuthorizationServer,
    ResourceProtector,
    current_token,
)
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge


class Client:
    def __init__(self, d):
        self.client_id = d["client_id"]
        self.client_secret = d.get("client_secret", "")
        self.auth_method = d.get("auth_method", "client_secret_basic")
        self.redirect_uris = d["redirect_uris"]
        self.scope = d.get("scope", "")

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope):
        allowed = set(self.scope.split())
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return client_secret == self.client_secret

    def check_endpoint_auth_method(self, method, endpoint):
        return method == self.auth_method

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in ("authorization_code", "refresh_token")


class Code:
    def __init__(self, code, client_id, redirect_uri, scope, user, challenge, method):
        self.code = code
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.scope = scope
        self.user = user
        self.code_challenge = challenge
        self.code_challenge_method = method

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope


class Token:
    def __init__(self, d, client_id, user):
        self.access_token = d["access_token"]
        self.refresh_token = d.get("refresh_token")
        self.scope = d.get("scope", "")
        self.expires_in = d.get("expires_in", 0)
        self.issued_at = time.time()
        self.client_id = client_id
        self.user = user
        self.revoked = False

    def check_client(self, client):
        return client.get_client_id() == self.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self):
        return self.revoked


class Store:
    def __init__(self, clients):
        self.clients = {c["client_id"]: Client(c) for c in clients}
        self.codes = {}
        self.access = {}
        self.refresh = {}

    def query_client(self, client_id):
        return self.clients.get(client_id)

    def save_token(self, token, req):
        t = Token(token, req.client.get_client_id(), req.user)
        self.access[t.access_token] = t
        if t.refresh_token:
            self.refresh[t.refresh_token] = t


def create_app(config):
    app = Flask(__name__)
    app.config["OAUTH2_REFRESH_TOKEN_GENERATOR"] = True
    store = Store(config["clients"])

    class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

        def save_authorization_code(self, code, req):
            store.codes[code] = Code(
                code, req.client.get_client_id(), req.redirect_uri, req.scope, req.user,
                req.data.get("code_challenge"), req.data.get("code_challenge_method"))

        def query_authorization_code(self, code, client):
            c = store.codes.get(code)
            if c and c.client_id == client.get_client_id():
                return c
            return None

        def delete_authorization_code(self, authorization_code):
            store.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code):
            return authorization_code.user

    class RefreshTokenGrant(grants.RefreshTokenGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
        INCLUDE_NEW_REFRESH_TOKEN = True

        def authenticate_refresh_token(self, refresh_token):
            t = store.refresh.get(refresh_token)
            if t and not t.revoked:
                return t
            return None

        def authenticate_user(self, credential):
            return credential.user

        def revoke_old_credential(self, credential):
            credential.revoked = True

    server = AuthorizationServer(app, query_client=store.query_client, save_token=store.save_token)
    server.register_grant(AuthorizationCodeGrant, [CodeChallenge(required=True)])
    server.register_grant(RefreshTokenGrant)

    class Validator(BearerTokenValidator):
        def authenticate_token(self, token_string):
            return store.access.get(token_string)

    require_oauth = ResourceProtector()
    require_oauth.register_token_validator(Validator())

    @app.get("/health")
    def health():
        return "ok"

    @app.get("/oauth/authorize")
    def authorize():
        user = None if request.args.get("deny") == "1" else "jane"
        return server.create_authorization_response(grant_user=user)

    @app.post("/oauth/token")
    def token():
        return server.create_token_response()

    @app.get("/api/me")
    @require_oauth("profile")
    def me():
        return jsonify(id=7, login=current_token.user, client=current_token.client_id,
                       scope=current_token.scope)

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
