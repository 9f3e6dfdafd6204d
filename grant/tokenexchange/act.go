package tokenexchange

import (
	"encoding/json"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/storage"
)

// maxActDepth bounds the nesting of act claims: the length of a chain of
// delegations.
const maxActDepth = 8

// actClaim returns the act claim naming actor as the current actor, with
// prior, the act of the subject token, nested inside it as the earlier
// actors (RFC 8693 §4.1).
func actClaim(actor *Token, prior map[string]any) map[string]any {
	act := map[string]any{"sub": actor.Subject}
	if actor.Issuer != "" {
		act["iss"] = actor.Issuer
	}
	if prior != nil {
		act["act"] = prior
	}
	return act
}

// actExtra returns the storage.Token.Extra that holds act, nil for none;
// a chain deeper than maxActDepth is invalid_grant.
func actExtra(act map[string]any) (map[string]string, error) {
	if act == nil {
		return nil, nil
	}
	if depth(act) > maxActDepth {
		return nil, grantry.NewError(grantry.ErrInvalidGrant, "the chain of delegation is too long")
	}
	b, err := json.Marshal(act)
	if err != nil {
		return nil, grantry.ServerError(err)
	}
	return map[string]string{storage.ExtraAct: string(b)}, nil
}

func depth(act map[string]any) int {
	n := 0
	for act != nil && n <= maxActDepth {
		n++
		act, _ = act["act"].(map[string]any)
	}
	return n
}

// mayAct reports whether the may_act claim of a subject token names the
// actor (RFC 8693 §4.4): its sub is the actor's, and so is its iss when it
// has one. A may_act naming the actor by other claims only does not.
func mayAct(mayAct map[string]any, actor *Token) bool {
	sub, _ := mayAct["sub"].(string)
	if sub == "" || sub != actor.Subject {
		return false
	}
	if iss, ok := mayAct["iss"]; ok {
		s, _ := iss.(string)
		return s == actor.Issuer
	}
	return true
}
