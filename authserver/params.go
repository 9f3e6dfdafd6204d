package authserver

import (
	"net/http"

	"github.com/grantry/grantry/internal/form"
)

// authorizeParams reads the parameters of an authorization request: the
// query, and for POST also the form body (RFC 6749 §3.1). A parameter sent
// twice, in one place or across both, is invalid_request.
func authorizeParams(r *http.Request, maxBytes int64) (Params, error) {
	q, err := form.Query(r)
	if err != nil {
		return nil, formError(err)
	}
	if r.Method != http.MethodPost {
		return Params(q), nil
	}
	body, err := postedForm(r, maxBytes)
	if err != nil {
		return nil, formError(err)
	}
	for k, v := range body {
		for _, one := range splitRepeated(k, v) {
			if err := q.Add(k, one); err != nil {
				return nil, formError(err)
			}
		}
	}
	return Params(q), nil
}

// postedForm returns the form body, also when the application parsed it
// already with r.ParseForm.
func postedForm(r *http.Request, maxBytes int64) (form.Values, error) {
	if r.PostForm == nil {
		return form.Body(r, maxBytes)
	}
	v := make(form.Values, len(r.PostForm))
	for k, vals := range r.PostForm {
		if len(vals) > 1 && !form.Repeatable(k) {
			return nil, &form.Error{Status: http.StatusBadRequest, Reason: "a parameter is repeated"}
		}
		for _, one := range vals {
			if err := v.Add(k, one); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

// splitRepeated returns the values of a parameter as parsed: several for
// a repeatable one.
func splitRepeated(name, value string) []string {
	if form.Repeatable(name) && value != "" {
		return form.Split(value)
	}
	return []string{value}
}
