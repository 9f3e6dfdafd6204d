package registration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
	"github.com/grantry/grantry/internal/origin"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

// The checks of client metadata (RFC 7591 §2), each turning a Metadata
// into the fields of a storage.Client or saying what is wrong with the
// error codes of RFC 7591 §3.2.2.

// toClient checks md and returns the client it describes, without ID,
// secret or times.
func (e *Endpoint) toClient(ctx context.Context, md *Metadata) (*storage.Client, error) {
	c := &storage.Client{
		Name: md.ClientName, Contacts: slices.Clone(md.Contacts),
		SoftwareID: md.SoftwareID, SoftwareVersion: md.SoftwareVersion,
		BackchannelLogoutSessionRequired:   md.BackchannelLogoutSessionRequired,
		RequireSignedRequestObject:         md.RequireSignedRequestObject,
		RequirePushedAuthorizationRequests: md.RequirePushedAuthorizationRequests,
	}
	for _, check := range []func(*Metadata, *storage.Client) error{
		e.checkTypes, e.checkRedirectURIs, e.checkAuthMethod, e.checkKeys, e.checkScope,
		checkURIs, checkAlgorithms, checkOpenID,
	} {
		if err := check(md, c); err != nil {
			return nil, err
		}
	}
	if err := authserver.CheckSectorIdentifierURI(ctx, e.cfg.SectorHTTPClient, c); err != nil {
		return nil, invalidMetadata(err.Error())
	}
	return c, nil
}

// checkTypes applies RFC 7591 §2 and §2.1 to grant_types and
// response_types: defaults authorization_code and code, each one
// supported by the server, and each response type with the grant types
// it needs and each redirect-based grant type with a response type.
func (e *Endpoint) checkTypes(md *Metadata, c *storage.Client) error {
	for _, g := range defaulted(md.GrantTypes, md.ResponseTypes, string(grantry.GrantAuthorizationCode)) {
		gt := grantry.GrantType(g)
		if !slices.Contains(e.grantTypes(), gt) {
			return invalidMetadata(fmt.Sprintf("grant type %q is not supported", g))
		}
		if !slices.Contains(c.GrantTypes, gt) {
			c.GrantTypes = append(c.GrantTypes, gt)
		}
	}
	rts := md.ResponseTypes
	if rts == nil && md.GrantTypes != nil {
		rts = e.supportedNames(authserver.ResponseTypesFor(c.GrantTypes))
	} else if rts == nil {
		rts = []string{string(grantry.ResponseCode)}
	}
	for _, raw := range rts {
		rt, ok := e.responseType(raw)
		if !ok {
			return invalidMetadata(fmt.Sprintf("response type %q is not supported", raw))
		}
		for _, need := range authserver.GrantTypesFor(rt) {
			if !slices.Contains(c.GrantTypes, need) {
				return invalidMetadata(fmt.Sprintf("response type %q needs the grant type %s (RFC 7591 §2.1)", raw, need))
			}
		}
		if !slices.Contains(c.ResponseTypes, rt) {
			c.ResponseTypes = append(c.ResponseTypes, rt)
		}
	}
	return checkGrantsHaveResponseTypes(c)
}

// defaulted returns the grant types, or when none were given those the
// response types need (RFC 7591 §2.1), or def.
func defaulted(grants, rts []string, def string) []string {
	if grants != nil || rts == nil {
		if grants == nil {
			return []string{def}
		}
		return grants
	}
	var out []string
	for _, rt := range rts {
		for _, g := range authserver.GrantTypesFor(grantry.ResponseType(rt)) {
			if !slices.Contains(out, string(g)) {
				out = append(out, string(g))
			}
		}
	}
	return out
}

// checkGrantsHaveResponseTypes refuses authorization_code without a
// response type returning a code, and implicit without one returning a
// token (RFC 7591 §2.1).
func checkGrantsHaveResponseTypes(c *storage.Client) error {
	for _, gt := range []grantry.GrantType{grantry.GrantAuthorizationCode, grantry.GrantImplicit} {
		if !slices.Contains(c.GrantTypes, gt) {
			continue
		}
		found := false
		for _, rt := range c.ResponseTypes {
			found = found || slices.Contains(authserver.GrantTypesFor(rt), gt)
		}
		if !found {
			return invalidMetadata(fmt.Sprintf("the grant type %s needs a response type that uses it (RFC 7591 §2.1)", gt))
		}
	}
	return nil
}

// supportedNames returns the names of the response types of list that
// the server supports.
func (e *Endpoint) supportedNames(list []grantry.ResponseType) []string {
	var out []string
	for _, rt := range list {
		if slices.Contains(e.srv.ResponseTypes(), rt) {
			out = append(out, string(rt))
		}
	}
	return out
}

func responseTypeNames(list []grantry.ResponseType) []string {
	out := make([]string, len(list))
	for i, rt := range list {
		out[i] = string(rt)
	}
	return out
}

// grantTypes returns the grant types the server supports: its token
// grants, and implicit when it has a response type that needs it.
func (e *Endpoint) grantTypes() []grantry.GrantType {
	out := e.srv.GrantTypes()
	for _, rt := range e.srv.ResponseTypes() {
		if slices.Contains(authserver.GrantTypesFor(rt), grantry.GrantImplicit) {
			return append(out, grantry.GrantImplicit)
		}
	}
	return out
}

// responseType finds the server's response type that raw names, its
// words in any order.
func (e *Endpoint) responseType(raw string) (grantry.ResponseType, bool) {
	want := sortedWords(raw)
	for _, rt := range e.srv.ResponseTypes() {
		if slices.Equal(sortedWords(string(rt)), want) {
			return rt, true
		}
	}
	return "", false
}

func sortedWords(s string) []string {
	w := strings.Fields(s)
	slices.Sort(w)
	return w
}

// checkRedirectURIs applies authserver.CheckRedirectURI to each redirect
// URI: an invalid one, or none for a redirect-based grant type, is
// invalid_redirect_uri (RFC 7591 §2, §3.2.2).
func (e *Endpoint) checkRedirectURIs(md *Metadata, c *storage.Client) error {
	for _, raw := range md.RedirectURIs {
		if err := e.srv.CheckClientRedirectURI(raw); err != nil {
			return grantry.NewError(grantry.ErrInvalidRedirectURI, fmt.Sprintf("redirect URI %q %v", raw, err))
		}
		if !slices.Contains(c.RedirectURIs, raw) {
			c.RedirectURIs = append(c.RedirectURIs, raw)
		}
	}
	if len(c.ResponseTypes) > 0 && len(c.RedirectURIs) == 0 {
		return grantry.NewError(grantry.ErrInvalidRedirectURI, "redirect_uris is required for the authorization_code and implicit grant types")
	}
	return nil
}

// checkAuthMethod applies token_endpoint_auth_method (RFC 7591 §2):
// default client_secret_basic, one the server supports, and a public
// client ("none") may not use the grants of confidential clients.
func (e *Endpoint) checkAuthMethod(md *Metadata, c *storage.Client) error {
	m := grantry.AuthMethod(md.TokenEndpointAuthMethod)
	if m == "" {
		m = grantry.AuthClientSecretBasic
	}
	allowed := e.cfg.AuthMethods
	if allowed == nil {
		allowed = e.srv.AuthMethods()
	}
	if !slices.Contains(allowed, m) || m == grantry.AuthClientSecretJWT && e.cfg.SealSecret == nil {
		return invalidMetadata(fmt.Sprintf("token_endpoint_auth_method %q is not supported", m))
	}
	if m == grantry.AuthNone {
		for _, gt := range []grantry.GrantType{grantry.GrantClientCredentials, grantry.GrantPassword} {
			if slices.Contains(c.GrantTypes, gt) {
				return invalidMetadata(fmt.Sprintf("a public client may not use the grant type %s", gt))
			}
		}
	}
	c.AuthMethod = m
	return nil
}

// checkKeys applies jwks and jwks_uri (RFC 7591 §2): not both, a jwks
// of public keys only, an https jwks_uri, and one of them for
// private_key_jwt.
func (e *Endpoint) checkKeys(md *Metadata, c *storage.Client) error {
	switch {
	case md.JWKS != nil && md.JWKSURI != "":
		return invalidMetadata("jwks and jwks_uri may not both be given (RFC 7591 §2)")
	case md.JWKS != nil:
		if err := checkJWKS(md.JWKS); err != nil {
			return err
		}
		c.JWKS = string(md.JWKS)
	case md.JWKSURI != "":
		if _, err := origin.ParseSecure(md.JWKSURI, false); err != nil {
			return invalidMetadata(fmt.Sprintf("jwks_uri %q %v", md.JWKSURI, err))
		}
		c.JWKSURI = md.JWKSURI
	case c.AuthMethod == grantry.AuthPrivateKeyJWT:
		return invalidMetadata("private_key_jwt needs jwks or jwks_uri")
	}
	return nil
}

// checkJWKS parses a registered JWK Set: every key must be a public key
// keyset can use, so that a private key sent by mistake is refused rather
// than kept.
func checkJWKS(doc []byte) error {
	set, err := keyset.ParseJWKS(doc)
	if err != nil {
		return invalidMetadata("jwks is not a JWK Set")
	}
	var raw struct {
		Keys []any `json:"keys"`
	}
	_ = json.Unmarshal(doc, &raw)
	if len(set.Keys) == 0 || len(set.Keys) != len(raw.Keys) {
		return invalidMetadata("jwks must hold public keys only, at least one, each usable")
	}
	return nil
}

// checkScope parses scope: default Config.Scopes or the server's known
// scopes, and none beyond them (RFC 7591 §2).
func (e *Endpoint) checkScope(md *Metadata, c *storage.Client) error {
	known := e.cfg.Scopes
	if known == nil {
		known = e.srv.Scopes()
	}
	if md.Scope == "" {
		c.Scope = known
		return nil
	}
	sc, err := grantry.ParseScope(md.Scope)
	if err != nil {
		return invalidMetadata("scope: " + err.Error())
	}
	if known != nil && !known.Contains(sc) {
		return invalidMetadata("scope holds a value the server does not know")
	}
	c.Scope = sc
	return nil
}

// checkURIs applies the URL members: client_uri, logo_uri, tos_uri and
// policy_uri are web pages, http or https; the others are checked where
// they are used.
func checkURIs(md *Metadata, c *storage.Client) error {
	for _, f := range []struct {
		name, raw string
		dst       *string
	}{
		{"client_uri", md.ClientURI, &c.ClientURI}, {"logo_uri", md.LogoURI, &c.LogoURI},
		{"tos_uri", md.TOSURI, &c.TOSURI}, {"policy_uri", md.PolicyURI, &c.PolicyURI},
	} {
		if f.raw == "" {
			continue
		}
		u, err := url.Parse(f.raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return invalidMetadata(fmt.Sprintf("%s %q is not an http or https URL", f.name, f.raw))
		}
		*f.dst = f.raw
	}
	return nil
}

// checkAlgorithms applies token_endpoint_auth_signing_alg, which must fit
// the method (RFC 7591 §2), and request_object_signing_alg (RFC 9101
// §10.5): algorithms keyset supports, never "none".
func checkAlgorithms(md *Metadata, c *storage.Client) error {
	if a := keyset.Algorithm(md.TokenEndpointAuthSigningAlg); a != "" {
		jwt := c.AuthMethod == grantry.AuthPrivateKeyJWT || c.AuthMethod == grantry.AuthClientSecretJWT
		if !a.Supported() || !jwt || a.Symmetric() != (c.AuthMethod == grantry.AuthClientSecretJWT) {
			return invalidMetadata(fmt.Sprintf("token_endpoint_auth_signing_alg %q does not fit the method %s", a, c.AuthMethod))
		}
		c.TokenEndpointAuthSigningAlg = string(a)
	}
	if a := keyset.Algorithm(md.RequestObjectSigningAlg); a != "" {
		if !a.Supported() || a.Symmetric() {
			return invalidMetadata(fmt.Sprintf("request_object_signing_alg %q is not supported", a))
		}
		c.RequestObjectSigningAlg = string(a)
	}
	return nil
}

// checkOpenID applies the OpenID Connect members: an asymmetric
// id_token_signed_response_alg, a subject type the client can have,
// redirect URIs after logout that follow the rules of redirect URIs, and
// an https back-channel logout URI.
func checkOpenID(md *Metadata, c *storage.Client) error {
	if a := keyset.Algorithm(md.IDTokenSignedResponseAlg); a != "" && !slices.Contains(keyset.AsymmetricAlgorithms(), a) {
		return invalidMetadata(fmt.Sprintf("id_token_signed_response_alg %q is not supported", a))
	}
	c.IDTokenSignedResponseAlg = md.IDTokenSignedResponseAlg
	for _, raw := range md.PostLogoutRedirectURIs {
		if err := authserver.CheckRedirectURI(raw, false); err != nil {
			return invalidMetadata(fmt.Sprintf("post_logout_redirect_uris: %q %v", raw, err))
		}
	}
	c.PostLogoutRedirectURIs = slices.Clone(md.PostLogoutRedirectURIs)
	if raw := md.BackchannelLogoutURI; raw != "" {
		if _, err := origin.ParseSecure(raw, false); err != nil {
			return invalidMetadata(fmt.Sprintf("backchannel_logout_uri %q %v", raw, err))
		}
	}
	c.BackchannelLogoutURI = md.BackchannelLogoutURI
	if raw := md.SectorIdentifierURI; raw != "" {
		if u, err := origin.ParseSecure(raw, false); err != nil || u.Scheme != "https" {
			return invalidMetadata(fmt.Sprintf("sector_identifier_uri %q is not an https URL", raw))
		}
	}
	c.SectorIdentifierURI = md.SectorIdentifierURI
	return checkSubjectType(md.SubjectType, c)
}

// checkSubjectType applies subject_type: public, or pairwise for a client
// with a sector identifier (OpenID Connect Core 1.0 §8.1).
func checkSubjectType(st string, c *storage.Client) error {
	switch st {
	case "", storage.SubjectPublic:
	case storage.SubjectPairwise:
		if _, err := authserver.SectorIdentifier(c); err != nil {
			return invalidMetadata("subject_type pairwise: " + err.Error())
		}
	default:
		return invalidMetadata(fmt.Sprintf("subject_type %q is not supported", st))
	}
	c.SubjectType = st
	return nil
}
