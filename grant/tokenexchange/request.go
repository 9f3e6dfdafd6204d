package tokenexchange

import (
	"slices"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/authserver"
)

// maxAudiences bounds the audience parameters of one request.
const maxAudiences = 16

// request holds the parameters of a token exchange request
// (RFC 8693 §2.1) but resource, which the server parses (RFC 8707).
type request struct {
	subjectToken, subjectType string
	actorToken, actorType     string
	requestedType             string
	audience                  []string
}

// parseRequest reads and checks the parameters of RFC 8693 §2.1:
// subject_token and subject_token_type are required; actor_token and
// actor_token_type come together or not at all; each token type must be
// one the grant has a validator for, and the requested token type one it
// issues (§2.2.2 invalid_request). A parameter sent twice was refused by
// the server already, but audience, which may repeat.
func parseRequest(p authserver.Params, validators map[string]Validator) (*request, error) {
	r := &request{
		subjectToken: p.Get("subject_token"), subjectType: p.Get("subject_token_type"),
		actorToken: p.Get("actor_token"), actorType: p.Get("actor_token_type"),
		requestedType: p.Get("requested_token_type"),
	}
	switch {
	case r.subjectToken == "":
		return nil, grantry.InvalidRequest("missing subject_token")
	case r.subjectType == "":
		return nil, grantry.InvalidRequest("missing subject_token_type")
	case r.actorToken != "" && r.actorType == "":
		return nil, grantry.InvalidRequest("actor_token_type is required with actor_token")
	case r.actorToken == "" && r.actorType != "":
		return nil, grantry.InvalidRequest("actor_token_type without actor_token")
	case validators[r.subjectType] == nil:
		return nil, grantry.InvalidRequest("the subject_token_type is not supported")
	case r.actorType != "" && validators[r.actorType] == nil:
		return nil, grantry.InvalidRequest("the actor_token_type is not supported")
	case r.requestedType != "" && r.requestedType != TypeAccessToken && r.requestedType != TypeJWT:
		return nil, grantry.InvalidRequest("the requested_token_type is not supported")
	}
	return r, r.parseAudience(p.All("audience"))
}

// parseAudience keeps the audience values (RFC 8693 §2.1), in order and
// without repeats; any string names an audience, but too many of them are
// invalid_target.
func (r *request) parseAudience(all []string) error {
	if len(all) > maxAudiences {
		return grantry.NewError(grantry.ErrInvalidTarget, "too many audiences")
	}
	for _, a := range all {
		if !slices.Contains(r.audience, a) {
			r.audience = append(r.audience, a)
		}
	}
	return nil
}
