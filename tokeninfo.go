package grantry

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"
)

// Token type hints of RFC 7009 §2.1 and RFC 7662 §2.1: which kind of token
// a revocation or introspection request presents.
const (
	HintAccessToken  = "access_token"
	HintRefreshToken = "refresh_token"
)

// TokenInfo describes a token in the vocabulary of RFC 7662 §2.2: what an
// introspection endpoint answers and what a resource server knows of a
// validated bearer token. Fields not known are left zero and are omitted
// from the JSON form.
type TokenInfo struct {
	// Active tells whether the token may be used now. An inactive token
	// carries no other information.
	Active bool
	// Scope is the scope the token grants.
	Scope Scope
	// ClientID is the client the token was issued to.
	ClientID string
	// Username is a human-readable identifier of the resource owner.
	Username string
	// TokenType is the token type, such as "Bearer" (RFC 6749 §5.1).
	TokenType string
	// ExpiresAt, IssuedAt and NotBefore are the exp, iat and nbf times.
	ExpiresAt time.Time
	IssuedAt  time.Time
	NotBefore time.Time
	// Subject identifies the resource owner; empty for a token a client
	// holds on its own behalf.
	Subject string
	// Audience lists the intended audiences (aud).
	Audience []string
	// Issuer is the issuer of the token (iss).
	Issuer string
	// JTI is the token's identifier.
	JTI string
	// Extra holds further members; a member named as a standard one is
	// ignored.
	Extra map[string]any
}

// Expired reports whether the token has an expiry time at or before now.
func (t *TokenInfo) Expired(now time.Time) bool {
	return !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)
}

// ActiveAt reports whether the token is active, unexpired and past its
// not-before time at now.
func (t *TokenInfo) ActiveAt(now time.Time) bool {
	return t.Active && !t.Expired(now) && (t.NotBefore.IsZero() || !now.Before(t.NotBefore))
}

// Clone returns a copy of t that shares no slice or map with it.
func (t *TokenInfo) Clone() *TokenInfo {
	c := *t
	c.Scope = slices.Clone(t.Scope)
	c.Audience = slices.Clone(t.Audience)
	c.Extra = maps.Clone(t.Extra)
	return &c
}

var standardInfoMembers = []string{
	"active", "scope", "client_id", "username", "token_type",
	"exp", "iat", "nbf", "sub", "aud", "iss", "jti",
}

var inactiveJSON = []byte(`{"active":false}`)

// MarshalJSON writes the introspection response of RFC 7662 §2.2. An
// inactive token is {"active":false} and nothing more; an active one lists
// the known members, times as seconds since the epoch, aud as a string when
// it has one value, then the extra members in name order.
func (t *TokenInfo) MarshalJSON() ([]byte, error) {
	if !t.Active {
		return slices.Clone(inactiveJSON), nil
	}
	b := make([]byte, 0, 256)
	b = append(b, `{"active":true`...)
	b = appendMember(b, "scope", t.Scope.String())
	b = appendMember(b, "client_id", t.ClientID)
	b = appendMember(b, "username", t.Username)
	b = appendMember(b, "token_type", t.TokenType)
	b = appendTime(b, "exp", t.ExpiresAt)
	b = appendTime(b, "iat", t.IssuedAt)
	b = appendTime(b, "nbf", t.NotBefore)
	b = appendMember(b, "sub", t.Subject)
	b = appendAudience(b, t.Audience)
	b = appendMember(b, "iss", t.Issuer)
	b = appendMember(b, "jti", t.JTI)
	return appendMembers(b, t.Extra, standardInfoMembers)
}

func appendMember(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return AppendJSONString(b, value)
}

func appendTime(b []byte, name string, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, t.Unix(), 10)
}

func appendAudience(b []byte, aud []string) []byte {
	switch len(aud) {
	case 0:
		return b
	case 1:
		return appendMember(b, "aud", aud[0])
	}
	b = append(b, `,"aud":[`...)
	for i, a := range aud {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, a)
	}
	return append(b, ']')
}

// Errors of TokenInfo.UnmarshalJSON.
var (
	errInfoActive = errors.New("grantry: introspection response: active is missing or not a boolean")
	errInfoMember = errors.New("grantry: introspection response: a member has the wrong type")
	errInfoTime   = errors.New("grantry: introspection response: a time is not a plausible NumericDate")
	errInfoScope  = errors.New("grantry: introspection response: malformed scope")
)

// UnmarshalJSON reads an introspection response (RFC 7662 §2.2). The
// active member is required and must be a boolean; scope must be a
// space-delimited string of valid scope tokens; exp, iat and nbf must be
// non-negative numbers of seconds (fractions are dropped); aud may be a
// string or an array of strings (empty ones are dropped). null counts as
// omitted. Unknown members go to Extra. An inactive response keeps nothing
// but Active. On error t is left unchanged.
func (t *TokenInfo) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if raw == nil {
		return errInfoActive
	}
	var out TokenInfo
	if err := decodeBool(raw["active"], &out.Active); err != nil {
		return err
	}
	if out.Active {
		if err := out.decodeMembers(raw); err != nil {
			return err
		}
	}
	*t = out
	return nil
}

func decodeBool(m json.RawMessage, dst *bool) error {
	s := string(bytes.TrimSpace(m))
	if s != "true" && s != "false" {
		return errInfoActive
	}
	*dst = s == "true"
	return nil
}

func (t *TokenInfo) decodeMembers(raw map[string]json.RawMessage) error {
	var scope string
	strs := []struct {
		name string
		dst  *string
	}{
		{"scope", &scope}, {"client_id", &t.ClientID}, {"username", &t.Username},
		{"token_type", &t.TokenType}, {"sub", &t.Subject}, {"iss", &t.Issuer}, {"jti", &t.JTI},
	}
	for _, s := range strs {
		if err := decodeString(raw[s.name], s.dst); err != nil {
			return err
		}
	}
	sc, err := ParseScope(scope)
	if err != nil {
		return errInfoScope
	}
	t.Scope = sc
	if err := t.decodeTimes(raw); err != nil {
		return err
	}
	if t.Audience, err = decodeAudience(raw["aud"]); err != nil {
		return err
	}
	return t.decodeExtra(raw)
}

func (t *TokenInfo) decodeTimes(raw map[string]json.RawMessage) error {
	times := []struct {
		name string
		dst  *time.Time
	}{{"exp", &t.ExpiresAt}, {"iat", &t.IssuedAt}, {"nbf", &t.NotBefore}}
	for _, x := range times {
		if err := decodeTime(raw[x.name], x.dst); err != nil {
			return err
		}
	}
	return nil
}

func (t *TokenInfo) decodeExtra(raw map[string]json.RawMessage) error {
	for k, v := range raw {
		if slices.Contains(standardInfoMembers, k) {
			continue
		}
		var x any
		if err := json.Unmarshal(v, &x); err != nil {
			return err
		}
		if t.Extra == nil {
			t.Extra = make(map[string]any)
		}
		t.Extra[k] = x
	}
	return nil
}

// isNull reports whether a member is absent or null; both count as
// omitted.
func isNull(m json.RawMessage) bool {
	return m == nil || string(bytes.TrimSpace(m)) == "null"
}

func decodeString(m json.RawMessage, dst *string) error {
	if isNull(m) {
		return nil
	}
	if err := json.Unmarshal(m, dst); err != nil {
		return errInfoMember
	}
	return nil
}

// maxNumericDate bounds plausible times: the year 9999.
const maxNumericDate = 253402300799

func decodeTime(m json.RawMessage, dst *time.Time) error {
	if isNull(m) {
		return nil
	}
	var f float64
	if err := json.Unmarshal(m, &f); err != nil {
		return errInfoTime
	}
	if f < 0 || f > maxNumericDate || math.IsNaN(f) {
		return errInfoTime
	}
	*dst = time.Unix(int64(f), 0).UTC()
	return nil
}

func decodeAudience(m json.RawMessage) ([]string, error) {
	if isNull(m) {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(m, &one); err == nil {
		if one == "" {
			return nil, nil
		}
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(m, &many); err != nil {
		return nil, errInfoMember
	}
	return slices.DeleteFunc(many, func(a string) bool { return a == "" }), nil
}
