package bearer

import (
	"errors"
	"net/http"
	"strings"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/dpop"
)

// DPoPConfig configures the DPoP-bound tokens a Protector accepts
// (RFC 9449 §7).
type DPoPConfig struct {
	// Verifier checks the proofs; nil means one with the defaults of
	// package dpop. Give it dpop.Nonces to make clients use nonces of
	// this resource server (§9).
	Verifier *dpop.Verifier
	// BaseURL is the scheme and authority clients reach the resource
	// server at, such as "https://api.example": the URI a proof must
	// name (htu) is BaseURL followed by the request's path. Required:
	// the Host header is the client's to choose.
	BaseURL string
}

func (p *Protector) setupDPoP() {
	c := p.cfg.DPoP
	if c == nil {
		return
	}
	p.dpop = c.Verifier
	if p.dpop == nil {
		p.dpop = dpop.NewVerifier(dpop.Config{Now: p.now})
	}
	p.algs = strings.Join(p.dpop.Algorithms(), " ")
}

// boundKey returns the thumbprint of the DPoP key a token is bound to, its
// cnf.jkt (RFC 9449 §6), and whether it has a cnf claim at all.
func boundKey(info *grantry.TokenInfo) (jkt string, bound bool) {
	cnf, ok := info.Extra["cnf"].(map[string]any)
	if !ok {
		return "", false
	}
	jkt, _ = cnf["jkt"].(string)
	return jkt, true
}

// checkBinding checks the scheme a token came with against its binding
// (RFC 9449 §7): a bound token comes as DPoP, with a proof of its key for
// this request and token; a bearer token comes as Bearer.
func (p *Protector) checkBinding(r *http.Request, token, scheme string, info *grantry.TokenInfo) *grantry.Error {
	jkt, bound := boundKey(info)
	switch {
	case scheme != schemeDPoP && bound:
		return p.invalidToken() // §7.2: a bound token is no bearer token
	case scheme != schemeDPoP:
		return nil
	case !bound:
		return p.withChallenge(grantry.NewError(grantry.ErrInvalidToken, "the access token is not bound to a DPoP key"), "")
	}
	proof, err := p.dpop.Verify(r.Context(), r, p.cfg.DPoP.BaseURL+r.URL.EscapedPath(), token)
	if errors.Is(err, dpop.ErrNoProof) {
		e := grantry.NewError(grantry.ErrInvalidDPoPProof, "a DPoP proof is required with a DPoP-bound access token")
		e.Status = http.StatusUnauthorized
		return e
	}
	if err != nil {
		if e, ok := grantry.AsError(err); ok {
			e.Status = http.StatusUnauthorized
			return e
		}
		return p.asError(err)
	}
	if proof.JKT != jkt {
		e := grantry.NewError(grantry.ErrInvalidDPoPProof, "the DPoP proof is not of the key the access token is bound to")
		e.Status = http.StatusUnauthorized
		return e
	}
	return nil
}

// forScheme gives e the challenges of the scheme the token came with: a
// DPoP challenge with the error, for a DPoP request (RFC 9449 §7.1); for
// any other 401, the Bearer challenge and, when DPoP is accepted, a DPoP
// challenge naming the algorithms.
func (p *Protector) forScheme(e *grantry.Error, scheme, scope string) *grantry.Error {
	if p.dpop == nil || e.HTTPStatus() >= 500 {
		return e
	}
	out := *e
	out.Header = e.Header.Clone()
	if out.Header == nil {
		out.Header = make(http.Header, 1)
	}
	switch {
	case scheme == schemeDPoP:
		out.Header.Set("WWW-Authenticate", p.dpopChallenge(e.Code, e.SafeDescription(), scope))
	case e.HTTPStatus() == http.StatusUnauthorized:
		out.Header.Add("WWW-Authenticate", p.dpopChallenge("", "", ""))
	}
	return &out
}

// dpopChallenge formats a DPoP challenge (RFC 9449 §7.1): the Bearer
// challenge's parameters under the DPoP scheme, and algs.
func (p *Protector) dpopChallenge(code grantry.ErrorCode, description, scope string) string {
	c := p.challenge(code, description, scope)
	c = schemeDPoP + strings.TrimPrefix(c, schemeBearer)
	return c + `, algs=` + string(appendQuoted(nil, p.algs))
}
