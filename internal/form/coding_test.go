package form_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/grantry/grantry/internal/form"
)

// compressed returns s in the content coding named.
func compressed(t *testing.T, coding, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	var w io.WriteCloser
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&b)
	case "deflate":
		fw, err := flate.NewWriter(&b, flate.DefaultCompression)
		if err != nil {
			t.Fatal(err)
		}
		w = fw
	}
	if _, err := io.WriteString(w, s); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestPostBodyContentEncoding: a coded body is not the form itself (RFC
// 9110 §8.4); a coding other than identity is answered 415 (§15.5.16), as
// is a content type other than a form, and never parsed as parameters.
func TestPostBodyContentEncoding(t *testing.T) {
	const body = "grant_type=client_credentials&scope=a"
	tests := []struct {
		name       string
		coding     []string
		body       []byte
		wantStatus int
	}{
		{"no coding", nil, []byte(body), 0},
		{"identity", []string{"identity"}, []byte(body), 0},
		{"Identity in another case", []string{"Identity"}, []byte(body), 0},
		{"empty header", []string{""}, []byte(body), 0},
		{"gzip body", []string{"gzip"}, compressed(t, "gzip", body), http.StatusUnsupportedMediaType},
		{"deflate body", []string{"deflate"}, compressed(t, "deflate", body), http.StatusUnsupportedMediaType},
		{"labelled gzip, sent plain", []string{"gzip"}, []byte(body), http.StatusUnsupportedMediaType},
		{"identity then gzip in one header", []string{"identity, gzip"}, compressed(t, "gzip", body), http.StatusUnsupportedMediaType},
		{"gzip in a second header", []string{"identity", "gzip"}, compressed(t, "gzip", body), http.StatusUnsupportedMediaType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := postRequest(http.MethodPost, formType, "")
			r.Body = io.NopCloser(bytes.NewReader(tt.body))
			for _, c := range tt.coding {
				r.Header.Add("Content-Encoding", c)
			}
			got, err := form.PostBody(r, 0)
			if s := formStatus(err); s != tt.wantStatus {
				t.Fatalf("PostBody with Content-Encoding %q: got status %d (%v), want %d", tt.coding, s, err, tt.wantStatus)
			}
			var fe *form.Error
			if errors.As(err, &fe) && fe.Header.Get("Accept-Encoding") != "identity" {
				t.Errorf("Accept-Encoding: got %q, want identity (RFC 9110 §15.5.16)", fe.Header.Get("Accept-Encoding"))
			}
			if tt.wantStatus == 0 && got.Get("grant_type") != "client_credentials" {
				t.Errorf("grant_type: got %q, want %q", got.Get("grant_type"), "client_credentials")
			}
		})
	}
}
