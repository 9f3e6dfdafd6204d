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
		if _, dup := q[k]; dup {
			return nil, formError(&form.Error{Status: http.StatusBadRequest, Reason: "parameter " + k + " is repeated"})
		}
		q[k] = v
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
		if len(vals) > 1 {
			return nil, &form.Error{Status: http.StatusBadRequest, Reason: "a parameter is repeated"}
		}
		v[k] = vals[0]
	}
	return v, nil
}
