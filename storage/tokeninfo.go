package storage

import (
	"encoding/json"
	"time"

	"github.com/grantry/grantry"
)

// AccessInfo describes the access token of t at now, in the vocabulary of
// RFC 7662 §2.2, overwriting info: inactive when the record is revoked or
// the access token expired; otherwise active with scope, client_id,
// token_type Bearer (DPoP, with cnf.jkt, for a token bound to a DPoP key,
// RFC 9449 §6.2), exp, iat, sub, aud (the resources the token is bound
// to, RFC 8707), iss (the issuer given, if any) and jti (the record's ID),
// and act (RFC 8693 §4.1) in Extra when the token was issued by
// delegation. The scope and audience slices are shared with t.
func (t *Token) AccessInfo(info *grantry.TokenInfo, issuer string, now time.Time) {
	if !t.Active(now) {
		*info = grantry.TokenInfo{}
		return
	}
	t.describe(info, issuer, t.Scope, grantry.TokenTypeBearer, t.ExpiresAt)
	if t.JKT != "" {
		info.TokenType = grantry.TokenTypeDPoP
		info.Extra = map[string]any{"cnf": map[string]any{"jkt": t.JKT}}
	}
	if act := t.Actor(); act != nil {
		if info.Extra == nil {
			info.Extra = map[string]any{}
		}
		info.Extra[ExtraAct] = act
	}
}

// Keys of Token.Extra that hold JSON objects: the act claim of a token
// issued by delegation, naming the party acting for the subject
// (RFC 8693 §4.1), and the may_act claim naming who may act for it
// (§4.4).
const (
	ExtraAct    = "act"
	ExtraMayAct = "may_act"
)

// Actor returns the act claim of t, nil when it has none or it is not a
// JSON object.
func (t *Token) Actor() map[string]any { return t.ExtraObject(ExtraAct) }

// ExtraObject returns the JSON object stored in Extra under key, nil when
// there is none or it is not an object.
func (t *Token) ExtraObject(key string) map[string]any {
	raw, ok := t.Extra[key]
	if !ok {
		return nil
	}
	var m map[string]any
	if json.Unmarshal([]byte(raw), &m) != nil {
		return nil
	}
	return m
}

// RefreshInfo describes the refresh token of t at now as AccessInfo does
// the access token: inactive when the record has no refresh token, is
// revoked or the refresh token expired; otherwise scope the refresh
// token's (GrantedScope), token_type "refresh_token" (so that no resource
// server mistakes it for an access token) and exp the refresh token's
// expiry, if it has one.
func (t *Token) RefreshInfo(info *grantry.TokenInfo, issuer string, now time.Time) {
	if !t.RefreshActive(now) {
		*info = grantry.TokenInfo{}
		return
	}
	t.describe(info, issuer, t.GrantedScope(), grantry.HintRefreshToken, t.RefreshExpiresAt)
}

func (t *Token) describe(info *grantry.TokenInfo, issuer string, scope grantry.Scope, tokenType string, exp time.Time) {
	*info = grantry.TokenInfo{
		Active:    true,
		Scope:     scope,
		ClientID:  t.ClientID,
		TokenType: tokenType,
		ExpiresAt: exp,
		IssuedAt:  t.IssuedAt,
		Subject:   t.Subject,
		Audience:  t.Resource,
		Issuer:    issuer,
		JTI:       t.ID,
	}
}
