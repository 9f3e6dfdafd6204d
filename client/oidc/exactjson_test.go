package oidc

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestDecodeObject(t *testing.T) {
	tests := []struct {
		name      string
		data      string
		wantNames []string
		wantErr   string
	}{
		{name: "empty object", data: ` {} `},
		{name: "members", data: `{"iss":"x","ISS":"y","i\u017fs":"z"}`, wantNames: []string{"ISS", "iss", "iſs"}},
		{name: "nested duplicate names are left to the caller", data: `{"a":{"b":1,"b":2}}`, wantNames: []string{"a"}},
		{name: "duplicate name", data: `{"iss":"x","iss":"y"}`, wantErr: "given twice"},
		{name: "escaped duplicate name", data: `{"iss":"x","i\u0073s":"y"}`, wantErr: "given twice"},
		{name: "array", data: `[]`, wantErr: "not a JSON object"},
		{name: "null", data: `null`, wantErr: "not a JSON object"},
		{name: "string", data: `"x"`, wantErr: "not a JSON object"},
		{name: "truncated", data: `{"a":`, wantErr: "not a JSON object"},
		{name: "trailing comma", data: `{"a":1,}`, wantErr: "not a JSON object"},
		{name: "trailing value", data: `{"a":1} {}`, wantErr: "not a JSON object"},
		{name: "empty", data: ``, wantErr: "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeObject([]byte(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("decodeObject(%s): got error %v, want one containing %q", tt.data, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodeObject(%s): got error %v, want none", tt.data, err)
			}
			var names []string
			for name := range got {
				names = append(names, name)
			}
			slices.Sort(names)
			if !slices.Equal(names, tt.wantNames) {
				t.Errorf("decodeObject(%s): got names %q, want %q", tt.data, names, tt.wantNames)
			}
		})
	}
}

type exactSample struct {
	Iss    string   `json:"iss"`
	Aud    []string `json:"aud,omitempty"`
	Kid    string   `json:"kid"`
	Ignore string   `json:"-"`
	Plain  string
}

func TestDecodeExact(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		want    exactSample
		wantErr string
	}{
		{name: "exact names", data: `{"iss":"a","aud":["b"],"kid":"c"}`, want: exactSample{Iss: "a", Aud: []string{"b"}, Kid: "c"}},
		{name: "other case", data: `{"ISS":"a","Aud":["b"]}`},
		{name: "long s", data: `{"i\u017fs":"a"}`},
		{name: "Kelvin sign", data: `{"\u212aid":"a"}`},
		{name: "exact name wins over another case", data: `{"iss":"a","Iss":"b"}`, want: exactSample{Iss: "a"}},
		{name: "untagged and ignored fields untouched", data: `{"Plain":"a","plain":"b","-":"d"}`},
		{name: "wrong type", data: `{"iss":1}`, wantErr: `member "iss"`},
		{name: "duplicate name", data: `{"kid":"a","kid":"b"}`, wantErr: "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got exactSample
			err := decodeExact([]byte(tt.data), &got)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("decodeExact(%s): got error %v, want one containing %q", tt.data, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodeExact(%s): got error %v, want none", tt.data, err)
			}
			if got.Iss != tt.want.Iss || !slices.Equal(got.Aud, tt.want.Aud) || got.Kid != tt.want.Kid ||
				got.Ignore != "" || got.Plain != "" {
				t.Errorf("decodeExact(%s): got %+v, want %+v", tt.data, got, tt.want)
			}
		})
	}
}

func TestDecodeFieldsNeedsStructPointer(t *testing.T) {
	var s string
	for _, v := range []any{nil, exactSample{}, &s} {
		if err := decodeFields(nil, v); err == nil {
			t.Errorf("decodeFields(%T): got no error, want one", v)
		}
	}
}

func FuzzDecodeObject(f *testing.F) {
	f.Add([]byte(`{"iss":"x","aud":["c1"]}`))
	f.Add([]byte(`{"a":1,"a":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		members, err := decodeObject(data)
		if err != nil {
			return
		}
		for name, value := range members {
			if !json.Valid(value) {
				t.Fatalf("decodeObject(%q): member %q has invalid value %q", data, name, value)
			}
		}
	})
}
