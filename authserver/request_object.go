package authserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

// Defaults of RequestObjectConfig.
const (
	// DefaultRequestObjectLifetime bounds how long a request object may
	// be used: its exp at most this far from now, and from its iat.
	DefaultRequestObjectLifetime = time.Hour
	// DefaultRequestObjectLeeway is the clock skew allowed for exp, nbf
	// and iat.
	DefaultRequestObjectLeeway = 30 * time.Second
)

// ClientKeySource resolves the keys a client signs with; *ClientKeys is
// one.
type ClientKeySource interface {
	For(ctx context.Context, c *storage.Client) (keyset.KeySource, error)
}

// RequestObjectConfig enables request objects (RFC 9101): the request
// parameter at the authorization endpoint, and at the pushed
// authorization request endpoint (RFC 9126 §3). Only signed objects are
// accepted, never alg none nor a shared-secret MAC.
type RequestObjectConfig struct {
	// Keys resolves each client's registered jwks or jwks_uri. Required.
	Keys ClientKeySource
	// Algorithms are the signature algorithms accepted; nil means
	// keyset.AsymmetricAlgorithms(). A client's RequestObjectSigningAlg,
	// when set, narrows them to that one.
	Algorithms []keyset.Algorithm
	// MaxLifetime bounds exp: at most this far from now and from iat;
	// zero means DefaultRequestObjectLifetime.
	MaxLifetime time.Duration
	// Leeway is the clock skew allowed; zero means
	// DefaultRequestObjectLeeway.
	Leeway time.Duration
	// RequireSigned makes every client send its authorization requests
	// as signed request objects, by value or pushed
	// (require_signed_request_object, RFC 9101 §10.5).
	RequireSigned bool
}

// requestObjectTypes are the typ headers accepted: none, the generic one,
// and the explicit type of RFC 9101 §10.8. Any other names another kind
// of JWT, which must not be taken for a request.
var requestObjectTypes = []string{"", "jwt", "oauth-authz-req+jwt"}

// jwtClaims are the members of a request object that are claims of the
// JWT, not authorization request parameters (RFC 9101 §4).
var jwtClaims = []string{"iss", "aud", "exp", "nbf", "iat", "jti", "sub"}

// requireSigned reports whether client must send signed request objects.
func (s *Server) requireSigned(c *storage.Client) bool {
	return c.RequireSignedRequestObject || (s.cfg.RequestObjects != nil && s.cfg.RequestObjects.RequireSigned)
}

// verifyRequestObject verifies a request object of client and returns its
// parameters (RFC 9101 §6): signed with one of the client's keys by an
// allowed algorithm, naming the client as client_id (and iss, if given)
// and the server as aud, and within its lifetime. Every failure is
// invalid_request_object.
func (s *Server) verifyRequestObject(ctx context.Context, client *storage.Client, obj string) (*ResolvedRequest, error) {
	cfg := s.cfg.RequestObjects
	if cfg == nil {
		return nil, grantry.NewError(grantry.ErrRequestNotSupported, "request objects are not supported")
	}
	v, err := s.verifyRequestSignature(ctx, cfg, client, obj)
	if err != nil {
		return nil, err
	}
	claims, err := decodeRequestObject(v.Payload)
	if err != nil {
		return nil, err
	}
	if err := s.checkRequestClaims(cfg, client, claims); err != nil {
		return nil, err
	}
	params, err := requestObjectParams(claims)
	if err != nil {
		return nil, err
	}
	return &ResolvedRequest{Params: params, Signed: true}, nil
}

func invalidObject(desc string) *grantry.Error {
	return grantry.NewError(grantry.ErrInvalidRequestObject, desc)
}

// verifyRequestSignature checks the signature with the client's keys
// (RFC 9101 §6.2) and the typ header (§10.8).
func (s *Server) verifyRequestSignature(ctx context.Context, cfg *RequestObjectConfig, client *storage.Client, obj string) (*keyset.Verified, error) {
	algs := cfg.Algorithms
	if algs == nil {
		algs = keyset.AsymmetricAlgorithms()
	}
	if want := keyset.Algorithm(client.RequestObjectSigningAlg); want != "" {
		if !slices.Contains(algs, want) {
			return nil, invalidObject("the client's request object signing algorithm is not accepted")
		}
		algs = []keyset.Algorithm{want}
	}
	if cfg.Keys == nil {
		return nil, grantry.ServerError(errors.New("authserver: RequestObjectConfig.Keys is nil"))
	}
	src, err := cfg.Keys.For(ctx, client)
	if err != nil {
		e := invalidObject("the client's keys could not be found")
		if !errors.Is(err, ErrNoClientKeys) {
			e.Cause = err
		}
		return nil, e
	}
	v, err := keyset.Verify(ctx, obj, src, algs)
	if err != nil {
		return nil, invalidObject("the request object is not signed with one of the client's keys by an accepted algorithm")
	}
	typ := strings.TrimPrefix(strings.ToLower(v.Header.Type), "application/")
	if !slices.Contains(requestObjectTypes, typ) {
		return nil, invalidObject("the request object has the typ of another kind of JWT")
	}
	return v, nil
}

// decodeRequestObject parses the payload: one JSON object, numbers kept
// as written.
func decodeRequestObject(payload []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil || claims == nil || dec.More() {
		return nil, invalidObject("the request object's payload is not a JSON object")
	}
	return claims, nil
}

// checkRequestClaims checks client_id, iss and aud (RFC 9101 §5, §6.3,
// §10.2) and the times.
func (s *Server) checkRequestClaims(cfg *RequestObjectConfig, client *storage.Client, claims map[string]any) error {
	if id, _ := claims["client_id"].(string); id != client.ID {
		return invalidObject("the request object's client_id is not the client's")
	}
	if iss, ok := claims["iss"]; ok && iss != client.ID {
		return invalidObject("the request object's iss is not the client's ID")
	}
	if s.cfg.Issuer != "" && !audienceHas(claims["aud"], s.cfg.Issuer) {
		return invalidObject("the request object's aud does not name this server")
	}
	return checkRequestTimes(cfg, claims, s.now())
}

// audienceHas reports whether aud, a string or an array of strings,
// holds want.
func audienceHas(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		return slices.Contains(a, any(want))
	}
	return false
}

// checkRequestTimes applies exp, nbf and iat when present, and bounds
// the object's lifetime.
func checkRequestTimes(cfg *RequestObjectConfig, claims map[string]any, now time.Time) error {
	leeway, life := cfg.Leeway, cfg.MaxLifetime
	if leeway <= 0 {
		leeway = DefaultRequestObjectLeeway
	}
	if life <= 0 {
		life = DefaultRequestObjectLifetime
	}
	exp, hasExp, err := numericDate(claims, "exp")
	if err != nil {
		return err
	}
	nbf, hasNbf, err := numericDate(claims, "nbf")
	if err != nil {
		return err
	}
	iat, hasIat, err := numericDate(claims, "iat")
	if err != nil {
		return err
	}
	switch {
	case hasExp && !now.Before(exp.Add(leeway)):
		return invalidObject("the request object has expired")
	case hasExp && exp.Sub(now) > life, hasExp && hasIat && exp.Sub(iat) > life:
		return invalidObject("the request object lives too long")
	case hasNbf && now.Add(leeway).Before(nbf), hasIat && now.Add(leeway).Before(iat):
		return invalidObject("the request object is not valid yet")
	case !hasExp && hasIat && now.Sub(iat) > life:
		return invalidObject("the request object is too old")
	}
	return nil
}

// numericDate reads a NumericDate claim (RFC 7519 §2).
func numericDate(claims map[string]any, name string) (time.Time, bool, error) {
	v, ok := claims[name]
	if !ok {
		return time.Time{}, false, nil
	}
	n, isNum := v.(json.Number)
	f, err := n.Float64()
	if !isNum || err != nil || math.IsNaN(f) || f < 0 || f > 1e11 {
		return time.Time{}, false, invalidObject("the request object's " + name + " is not a date")
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}

// requestObjectParams turns the members of a request object into
// authorization request parameters: strings as they are, integers in
// decimal, objects (claims) and arrays (authorization_details) as compact
// JSON. The JWT's own claims are left out, and a request object may
// hold neither request nor request_uri (RFC 9101 §4).
func requestObjectParams(claims map[string]any) (Params, error) {
	params := make(Params, len(claims))
	for k, v := range claims {
		if slices.Contains(jwtClaims, k) {
			continue
		}
		if k == "request" || k == "request_uri" {
			return nil, invalidObject("a request object may not hold " + k)
		}
		s, err := paramValue(v)
		if err != nil {
			return nil, invalidObject("the request object's " + k + " is not a parameter value")
		}
		params[k] = s
	}
	return params, nil
}

func paramValue(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		n, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil {
			return "", err
		}
		return strconv.FormatInt(n, 10), nil
	case map[string]any, []any:
		b, err := json.Marshal(x)
		return string(b), err
	}
	return "", errors.New("unsupported value")
}

// requestObjectMetadata gives request_object_signing_alg_values_supported
// and require_signed_request_object (RFC 9101 §10.1).
func (s *Server) requestObjectMetadata(m map[string]any) {
	cfg := s.cfg.RequestObjects
	if cfg == nil {
		return
	}
	algs := cfg.Algorithms
	if algs == nil {
		algs = keyset.AsymmetricAlgorithms()
	}
	names := make([]string, 0, len(algs))
	for _, a := range algs {
		names = append(names, string(a))
	}
	m["request_object_signing_alg_values_supported"] = names
	if cfg.RequireSigned {
		m["require_signed_request_object"] = true
	}
}
