package authserver

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

// ClientAssertionType is the client_assertion_type of JWT client
// assertions (RFC 7523 §2.2).
const ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// ClientAssertionConfig configures client authentication with JWT
// assertions (RFC 7523 §2.2, §3; OpenID Connect Core §9). The methods are
// registered by New when ReplayCache is set: private_key_jwt when Keys is
// set too, client_secret_jwt when Sealer is. A grant or an endpoint must
// still list a method in its AuthMethods for clients to use it there.
type ClientAssertionConfig struct {
	// ReplayCache remembers the jti of every accepted assertion until it
	// expires, so that none is accepted twice (RFC 7523 §3, item 7).
	ReplayCache storage.ReplayCache
	// Keys resolves the public keys of a private_key_jwt client, from its
	// jwks or jwks_uri: a *ClientKeys.
	Keys ClientKeySource
	// Sealer opens the SealedSecret of a client_secret_jwt client (see
	// SealClientSecret), whose HMAC is checked with the secret itself.
	Sealer *keyset.Sealer
	// Algorithms are the signature algorithms accepted; nil means every
	// asymmetric algorithm of keyset for private_key_jwt and HS256, HS384
	// and HS512 for client_secret_jwt. "none" is never accepted. A client
	// that registered a token_endpoint_auth_signing_alg must use it.
	Algorithms []keyset.Algorithm
	// MaxLifetime bounds how long an assertion may live; zero means
	// DefaultAssertionLifetime.
	MaxLifetime time.Duration
	// Leeway is the clock skew allowed in exp, nbf and iat; zero means
	// DefaultAssertionLeeway.
	Leeway time.Duration
	// InsecureAcceptEndpointAudience accepts as aud the URL of the
	// endpoint the assertion is sent to, as OpenID Connect Core §9 has
	// it, besides the issuer identifier. A client that takes the URL of
	// an endpoint from a malicious server's metadata can be made to sign
	// an assertion for this server's endpoint and hand it over, so by
	// default only the issuer identifier is accepted (RFC 7523 §3, as
	// updated by draft-ietf-oauth-rfc7523bis).
	InsecureAcceptEndpointAudience bool
}

// defaultAssertionAlgorithms are accepted when Config.ClientAssertions
// names none.
var defaultAssertionAlgorithms = append(keyset.AsymmetricAlgorithms(), keyset.HS256, keyset.HS384, keyset.HS512)

func (s *Server) registerAssertionAuth() {
	a := s.cfg.ClientAssertions
	if a.ReplayCache == nil {
		return
	}
	if a.Keys != nil {
		s.RegisterClientAuth(grantry.AuthPrivateKeyJWT, assertionAuth{s: s, method: grantry.AuthPrivateKeyJWT})
	}
	if a.Sealer != nil {
		s.RegisterClientAuth(grantry.AuthClientSecretJWT, assertionAuth{s: s, method: grantry.AuthClientSecretJWT})
	}
}

// assertionAuth is private_key_jwt or client_secret_jwt (RFC 7523 §2.2).
// The two send the same parameters; the alg header of the assertion tells
// them apart: an HMAC algorithm is client_secret_jwt.
type assertionAuth struct {
	s      *Server
	method grantry.AuthMethod
}

// sentAssertion reports whether the request carries either parameter of a
// client assertion.
func sentAssertion(req *ClientAuthRequest) bool {
	return req.Params.Get("client_assertion") != "" || req.Params.Get("client_assertion_type") != ""
}

// assertionMethod tells the method of an assertion by its alg header; an
// assertion that cannot be parsed counts as private_key_jwt, to be
// refused there.
func assertionMethod(token string) grantry.AuthMethod {
	if u, err := keyset.ParseUnverified(token); err == nil && u.Header.Algorithm.Symmetric() {
		return grantry.AuthClientSecretJWT
	}
	return grantry.AuthPrivateKeyJWT
}

func (a assertionAuth) Present(req *ClientAuthRequest) bool {
	return sentAssertion(req) && assertionMethod(req.Params.Get("client_assertion")) == a.method
}

// Authenticate applies RFC 7523 §2.2 and §3: the assertion names the
// client as iss and sub, is signed with the client's key or secret by an
// allowed algorithm, is meant for this server, is within its lifetime,
// and was not accepted before. The jti is recorded last, so that a forged
// or refused assertion uses up no one's jti.
func (a assertionAuth) Authenticate(ctx context.Context, req *ClientAuthRequest) (*storage.Client, error) {
	client, claims, err := a.verify(ctx, req)
	if err != nil {
		a.s.log.DebugContext(ctx, "client assertion refused", "method", a.method, "reason", err)
		return nil, err
	}
	cfg := a.s.cfg.ClientAssertions
	seen, err := cfg.ReplayCache.SeenJTI(ctx, ReplayKey("client", client.ID, claims.JWTID), a.rules(req).ReplayUntil(claims))
	if err != nil {
		return nil, err
	}
	if seen {
		a.s.log.DebugContext(ctx, "client assertion refused", "method", a.method, "reason", "jti replayed")
		return nil, errBadCredentials
	}
	return client, nil
}

// verify checks everything but the replay.
func (a assertionAuth) verify(ctx context.Context, req *ClientAuthRequest) (*storage.Client, *AssertionClaims, error) {
	token := req.Params.Get("client_assertion")
	if req.Params.Get("client_assertion_type") != ClientAssertionType || token == "" {
		return nil, nil, fmt.Errorf("%w: client_assertion_type or client_assertion", errBadCredentials)
	}
	u, err := keyset.ParseUnverified(token)
	if err != nil {
		return nil, nil, err
	}
	unverified, err := ParseAssertionClaims(u.Payload)
	if err != nil {
		return nil, nil, err
	}
	client, err := a.client(ctx, req, unverified.Subject)
	if err != nil {
		return nil, nil, err
	}
	payload, err := a.checkSignature(ctx, client, token)
	if err != nil {
		return nil, nil, err
	}
	claims, err := ParseAssertionClaims(payload)
	if err != nil {
		return nil, nil, err
	}
	if claims.Issuer != client.ID || claims.Subject != client.ID {
		return nil, nil, fmt.Errorf("%w: iss and sub must be the client_id", errBadCredentials)
	}
	return client, claims, a.rules(req).Check(claims)
}

// client finds the client the assertion's sub names, which must agree
// with client_id when the request has one (RFC 7523 §3.1) and must have
// registered this method.
func (a assertionAuth) client(ctx context.Context, req *ClientAuthRequest, sub string) (*storage.Client, error) {
	if id := req.Params.Get("client_id"); id != "" && id != sub {
		return nil, fmt.Errorf("%w: client_id is not the sub", errBadCredentials)
	}
	client, err := a.s.lookupClient(ctx, sub)
	if err != nil {
		return nil, err
	}
	if !mayAuthenticate(client, a.method) {
		return nil, fmt.Errorf("%w: the client did not register %s", errBadCredentials, a.method)
	}
	return client, nil
}

// algorithms returns the algorithms the client may sign with: those of
// the configuration that fit the method, or only its registered one.
func (a assertionAuth) algorithms(c *storage.Client) []keyset.Algorithm {
	allowed := a.s.assertionAlgorithms(a.method)
	if c.TokenEndpointAuthSigningAlg == "" {
		return allowed
	}
	if alg := keyset.Algorithm(c.TokenEndpointAuthSigningAlg); slices.Contains(allowed, alg) {
		return []keyset.Algorithm{alg}
	}
	return nil
}

// checkSignature verifies the assertion with the client's keys, or its
// secret, and returns the verified payload.
func (a assertionAuth) checkSignature(ctx context.Context, c *storage.Client, token string) ([]byte, error) {
	algs := a.algorithms(c)
	var v *keyset.Verified
	if a.method == grantry.AuthClientSecretJWT {
		secret, err := openClientSecret(a.s.cfg.ClientAssertions.Sealer, c)
		if err != nil {
			return nil, err
		}
		v, err = keyset.VerifyWithSecret(token, secret, algs)
		if err != nil {
			return nil, err
		}
		return v.Payload, nil
	}
	src, err := a.s.cfg.ClientAssertions.Keys.For(ctx, c)
	if err != nil {
		return nil, err
	}
	if v, err = keyset.Verify(ctx, token, src, algs); err != nil {
		return nil, err
	}
	return v.Payload, nil
}

// rules are the claim checks of an assertion sent to the endpoint of req.
func (a assertionAuth) rules(req *ClientAuthRequest) AssertionRules {
	cfg := a.s.cfg.ClientAssertions
	r := AssertionRules{Now: a.s.now(), MaxLifetime: cfg.MaxLifetime, Leeway: cfg.Leeway}
	if a.s.cfg.Issuer != "" {
		r.Audiences = append(r.Audiences, a.s.cfg.Issuer)
	}
	if u := a.s.endpointURL(req.Endpoint); cfg.InsecureAcceptEndpointAudience && u != "" {
		r.Audiences = append(r.Audiences, u)
	}
	return r
}

// assertionAlgorithms returns the configured algorithms that method
// accepts: HMAC ones for client_secret_jwt, the others for
// private_key_jwt.
func (s *Server) assertionAlgorithms(method grantry.AuthMethod) []keyset.Algorithm {
	algs := s.cfg.ClientAssertions.Algorithms
	if algs == nil {
		algs = defaultAssertionAlgorithms
	}
	var out []keyset.Algorithm
	for _, alg := range algs {
		if alg.Supported() && alg.Symmetric() == (method == grantry.AuthClientSecretJWT) {
			out = append(out, alg)
		}
	}
	return out
}

// endpointURL returns the URL of the endpoint named name, as the metadata
// gives it, or "".
func (s *Server) endpointURL(name string) string {
	if name == grantry.EndpointToken {
		return s.URL(s.cfg.Endpoints.Token)
	}
	for _, e := range s.endpoints {
		if p, ok := e.(MetadataProvider); ok && e.Name() == name {
			u, _ := p.ServerMetadata()[name+"_endpoint"].(string)
			return s.URL(u)
		}
	}
	return ""
}

// ReplayKey joins the kind of an assertion, its issuer and its jti into
// one key of a storage.ReplayCache, so that a jti is unique per issuer
// and per use (RFC 7523 §3, item 7) and no two triples give one key.
func ReplayKey(kind, issuer, jti string) string {
	return kind + " " + strconv.Itoa(len(issuer)) + ":" + issuer + " " + jti
}

// SealClientSecret returns a client secret sealed with sealer for the
// client clientID, as storage.Client.SealedSecret keeps it for
// client_secret_jwt: the server needs the secret itself to check an HMAC,
// and a copy of the database must not yield it.
func SealClientSecret(sealer *keyset.Sealer, clientID, secret string) (string, error) {
	sealed, err := sealer.SealSecret([]byte(secret), clientSecretLabel(clientID))
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sealed), nil
}

// openClientSecret opens the SealedSecret of c.
func openClientSecret(sealer *keyset.Sealer, c *storage.Client) ([]byte, error) {
	if c.SealedSecret == "" {
		return nil, fmt.Errorf("%w: the client has no sealed secret", errBadCredentials)
	}
	sealed, err := base64.RawURLEncoding.DecodeString(c.SealedSecret)
	if err != nil {
		return nil, fmt.Errorf("%w: malformed sealed secret", errBadCredentials)
	}
	return sealer.OpenSecret(sealed, clientSecretLabel(c.ID))
}

// clientSecretLabel is the label a client secret is sealed under: the
// client's ID, in a domain of its own, so that a sealed secret opens only
// as the secret of that client.
func clientSecretLabel(clientID string) string { return "client\x00" + clientID }
