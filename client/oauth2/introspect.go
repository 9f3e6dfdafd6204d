package oauth2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"time"
)

// ErrIntrospection means an introspection response is not a valid RFC 7662
// §2.2 response.
var ErrIntrospection = errors.New("oauth2: invalid introspection response")

// Introspection is the state of a token as the authorization server sees it
// (RFC 7662 §2.2). Only Active is always present.
type Introspection struct {
	Active    bool
	Scope     string
	ClientID  string
	Username  string
	TokenType string
	Expiry    time.Time
	IssuedAt  time.Time
	NotBefore time.Time
	Subject   string
	Audience  []string
	Issuer    string
	JWTID     string
	// Raw holds every member of the response.
	Raw map[string]json.RawMessage
}

// Introspect asks the introspection endpoint about token (RFC 7662 §2.1).
// hint, which may be empty, is grantry.HintAccessToken or
// grantry.HintRefreshToken.
func (c *Client) Introspect(ctx context.Context, token, hint string) (*Introspection, error) {
	if c.cfg.IntrospectionEndpoint == "" {
		return nil, fmt.Errorf("%w: introspection endpoint", ErrNoEndpoint)
	}
	form := url.Values{"token": {token}}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	resp, err := c.post(ctx, c.cfg.IntrospectionEndpoint, form, c.cfg.Hooks.IntrospectRequest)
	if err != nil {
		return nil, err
	}
	body, err := readBody(resp)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		return nil, parseErrorResponse(resp.StatusCode, resp.Header, body)
	}
	return ParseIntrospection(body)
}

// introspectionDoc is the wire form of an introspection response; decoding
// fails on members of the wrong type.
type introspectionDoc struct {
	Active    *bool    `json:"active"`
	Scope     string   `json:"scope"`
	ClientID  string   `json:"client_id"`
	Username  string   `json:"username"`
	TokenType string   `json:"token_type"`
	Exp       *float64 `json:"exp"`
	Iat       *float64 `json:"iat"`
	Nbf       *float64 `json:"nbf"`
	Sub       string   `json:"sub"`
	Aud       Audience `json:"aud"`
	Iss       string   `json:"iss"`
	Jti       string   `json:"jti"`
}

// ParseIntrospection parses an introspection response body (RFC 7662
// §2.2): a JSON object whose active member is a boolean, with the other
// members, when present, of the types the RFC gives them.
func ParseIntrospection(body []byte) (*Introspection, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return nil, fmt.Errorf("%w: body is not a JSON object", ErrIntrospection)
	}
	var doc introspectionDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrIntrospection, err)
	}
	if doc.Active == nil {
		return nil, fmt.Errorf("%w: active is missing", ErrIntrospection)
	}
	return &Introspection{
		Active: *doc.Active, Scope: doc.Scope, ClientID: doc.ClientID, Username: doc.Username,
		TokenType: doc.TokenType, Expiry: unixTime(doc.Exp), IssuedAt: unixTime(doc.Iat),
		NotBefore: unixTime(doc.Nbf), Subject: doc.Sub, Audience: doc.Aud, Issuer: doc.Iss,
		JWTID: doc.Jti, Raw: raw,
	}, nil
}

// unixTime converts a NumericDate (RFC 7519 §2), zero when absent.
func unixTime(secs *float64) time.Time {
	if secs == nil {
		return time.Time{}
	}
	s := math.Max(math.Min(*secs, 1<<40), -(1 << 40))
	whole, frac := math.Modf(s)
	return time.Unix(int64(whole), int64(frac*1e9))
}

// Audience is an aud member or claim: one string or an array of strings (RFC 7519
// §4.1.3).
type Audience []string

// UnmarshalJSON accepts a string or an array of strings.
func (a *Audience) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*a = Audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("aud is neither a string nor an array of strings")
	}
	*a = many
	return nil
}
