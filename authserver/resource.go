package authserver

import (
	"net/url"
	"slices"
	"strings"

	"github.com/grantry/grantry"
)

// maxResources bounds the resource parameters of one request.
const maxResources = 16

// checkResources parses the resource parameters of a request (RFC 8707
// §2): each an absolute URI without fragment, and one of the server's
// known resources when Config.Resources lists them. Repeats are dropped.
// Anything else is invalid_target.
func (s *Server) checkResources(p Params) ([]string, error) {
	all := p.All("resource")
	if len(all) == 0 {
		return nil, nil
	}
	if len(all) > maxResources {
		return nil, grantry.NewError(grantry.ErrInvalidTarget, "too many resources")
	}
	out := make([]string, 0, len(all))
	for _, r := range all {
		if !isResourceURI(r) {
			return nil, grantry.NewError(grantry.ErrInvalidTarget, "a resource is not an absolute URI without fragment")
		}
		if s.cfg.Resources != nil && !slices.Contains(s.cfg.Resources, r) {
			return nil, grantry.NewError(grantry.ErrInvalidTarget, "a resource is unknown")
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// isResourceURI reports whether r is an absolute URI (RFC 3986 §4.3)
// without fragment, as RFC 8707 §2 requires of a resource.
func isResourceURI(r string) bool {
	if strings.ContainsAny(r, "# \t\r\n") {
		return false
	}
	u, err := url.Parse(r)
	if err != nil || !u.IsAbs() {
		return false
	}
	return u.Opaque != "" || u.Host != "" || u.Path != ""
}

// bindResources decides the resources of the tokens a token request
// issues (RFC 8707 §2.2): those it names, which must all have been granted
// by the code or refresh token it presents, if that was bound to any; or,
// naming none, all that were granted. The refresh token keeps what was
// granted, so that a later refresh may ask for any of it again.
func bindResources(asked []string, iss *Issue) error {
	granted := grantedResources(iss)
	if iss.Resource != nil {
		return nil // the grant decided
	}
	if len(asked) == 0 {
		iss.Resource = granted
		return nil
	}
	if len(granted) > 0 {
		for _, r := range asked {
			if !slices.Contains(granted, r) {
				return grantry.NewError(grantry.ErrInvalidTarget, "a resource was not granted")
			}
		}
	} else {
		granted = asked
	}
	iss.Resource = asked
	if !slices.Equal(asked, granted) {
		iss.RefreshResource = granted
	}
	return nil
}

// grantedResources returns the resources the code or the token a request
// presents was bound to.
func grantedResources(iss *Issue) []string {
	switch {
	case iss.Code != nil:
		return iss.Code.Resource
	case iss.Token != nil:
		return iss.Token.GrantedResource()
	}
	return nil
}
