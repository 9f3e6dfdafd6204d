package oauth2

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/keyset"
)

// AuthFunc authenticates the client in a request to the token, revocation
// or introspection endpoint, by changing its headers or form.
type AuthFunc func(ctx context.Context, req *EndpointRequest) error

// authFunc resolves the configured method.
func (c *Config) authFunc() (AuthFunc, error) {
	method := c.AuthMethod
	if method == "" {
		method = grantry.AuthNone
		if c.ClientSecret != "" {
			method = grantry.AuthClientSecretBasic
		}
	}
	if f, ok := c.AuthMethods[method]; ok && f != nil {
		return f, nil
	}
	needSecret := func() error {
		if c.ClientSecret == "" {
			return fmt.Errorf("oauth2: %s needs a client secret", method)
		}
		return nil
	}
	switch method {
	case grantry.AuthClientSecretBasic:
		return c.basicAuth, needSecret()
	case grantry.AuthClientSecretPost:
		return c.postAuth, needSecret()
	case grantry.AuthNone:
		return c.noAuth, nil
	case grantry.AuthClientSecretJWT:
		return c.secretJWTAuth, c.checkSecretJWT(needSecret())
	case grantry.AuthPrivateKeyJWT:
		if c.SigningKey == nil {
			return nil, fmt.Errorf("oauth2: %s needs a signing key", method)
		}
		return c.privateKeyJWTAuth, nil
	}
	return nil, fmt.Errorf("oauth2: unknown client authentication method %q", method)
}

func (c *Config) checkSecretJWT(err error) error {
	if err != nil {
		return err
	}
	alg := c.assertionAlgorithm()
	if !alg.Symmetric() {
		return fmt.Errorf("oauth2: %q is not an HMAC algorithm", alg)
	}
	// RFC 7518 §3.2: the key must be at least as long as the hash output.
	if n := alg.Hash().Size(); len(c.ClientSecret) < n {
		return fmt.Errorf("oauth2: %s with %s needs a client secret of at least %d bytes, not %d",
			grantry.AuthClientSecretJWT, alg, n, len(c.ClientSecret))
	}
	return nil
}

// assertionAlgorithm is the configured HMAC algorithm, or HS256.
func (c *Config) assertionAlgorithm() keyset.Algorithm {
	if c.AssertionAlgorithm == "" {
		return keyset.HS256
	}
	return c.AssertionAlgorithm
}

// basicAuth sends the credentials in the Authorization header, each
// form-urlencoded before they are joined and base64-encoded (RFC 6749
// §2.3.1).
func (c *Config) basicAuth(_ context.Context, req *EndpointRequest) error {
	creds := url.QueryEscape(c.ClientID) + ":" + url.QueryEscape(c.ClientSecret)
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(creds)))
	return nil
}

// postAuth sends the credentials in the form body (RFC 6749 §2.3.1).
func (c *Config) postAuth(_ context.Context, req *EndpointRequest) error {
	req.Form.Set("client_id", c.ClientID)
	req.Form.Set("client_secret", c.ClientSecret)
	return nil
}

// noAuth identifies a public client by its client_id (RFC 6749 §3.2.1).
func (c *Config) noAuth(_ context.Context, req *EndpointRequest) error {
	req.Form.Set("client_id", c.ClientID)
	return nil
}

// clientAssertionType is the client_assertion_type of JWT assertions
// (RFC 7523 §2.2).
const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionClaims are the claims of a client assertion (RFC 7523 §3).
type assertionClaims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience string `json:"aud"`
	JWTID    string `json:"jti"`
	Expiry   int64  `json:"exp"`
	IssuedAt int64  `json:"iat"`
}

func (c *Config) assertion() (assertionClaims, error) {
	jti, err := randomString(32)
	if err != nil {
		return assertionClaims{}, err
	}
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	life := c.AssertionLifetime
	if life <= 0 {
		life = DefaultAssertionLifetime
	}
	aud := c.assertionAudience()
	return assertionClaims{
		Issuer: c.ClientID, Subject: c.ClientID, Audience: aud, JWTID: jti,
		Expiry: now.Add(life).Unix(), IssuedAt: now.Unix(),
	}, nil
}

// assertionAudience is the aud of the client's assertions: the one
// configured, else the issuer identifier, else the token endpoint.
func (c *Config) assertionAudience() string {
	switch {
	case c.AssertionAudience != "":
		return c.AssertionAudience
	case c.Issuer != "":
		return c.Issuer
	}
	return c.TokenEndpoint
}

// secretJWTAuth sends an assertion signed with the client secret (RFC 7523
// §2.2, OpenID Connect Core 1.0 §9).
func (c *Config) secretJWTAuth(_ context.Context, req *EndpointRequest) error {
	claims, err := c.assertion()
	if err != nil {
		return err
	}
	jwt, err := keyset.SignJWTWithSecret([]byte(c.ClientSecret), c.assertionAlgorithm(), claims, "")
	if err != nil {
		return fmt.Errorf("oauth2: client assertion: %w", err)
	}
	setAssertion(req, c.ClientID, jwt)
	return nil
}

// privateKeyJWTAuth sends an assertion signed with the client's private key
// (RFC 7523 §2.2, OpenID Connect Core 1.0 §9).
func (c *Config) privateKeyJWTAuth(_ context.Context, req *EndpointRequest) error {
	claims, err := c.assertion()
	if err != nil {
		return err
	}
	jwt, err := c.SigningKey.SignJWT(claims, "")
	if err != nil {
		return fmt.Errorf("oauth2: client assertion: %w", err)
	}
	setAssertion(req, c.ClientID, jwt)
	return nil
}

func setAssertion(req *EndpointRequest, clientID, jwt string) {
	req.Form.Set("client_id", clientID)
	req.Form.Set("client_assertion_type", clientAssertionType)
	req.Form.Set("client_assertion", jwt)
}
