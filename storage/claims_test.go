package storage_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/grantry/grantry/internal/golden"

	"github.com/grantry/grantry/storage"
)

// fullClaims has every member set.
func fullClaims() storage.Claims {
	return storage.Claims{
		Name: `Zoë O'Brien "Z"`, GivenName: "Zoë", FamilyName: "O'Brien", MiddleName: "Anne",
		Nickname: "zo", PreferredUsername: "zoe", Profile: "https://example.org/zoe",
		Picture: "https://example.org/zoe.png", Website: "https://zoe.example",
		Email: "zoe@example.org", EmailVerified: true, Gender: "female", Birthdate: "0000-02-29",
		Zoneinfo: "Europe/Paris", Locale: "fr-FR", PhoneNumber: "+33123456789", PhoneNumberVerified: true,
		Address: storage.Address{
			Formatted:     "1 rue de la Paix\n75002 Paris\nFrance",
			StreetAddress: "1 rue de la Paix", Locality: "Paris", Region: "Île-de-France",
			PostalCode: "75002", Country: "France",
		},
		UpdatedAt: time.Unix(1700000000, 0).UTC(),
	}
}

// TestClaimsGolden checks the JSON encoding of every member against
// testdata/claims.golden, written by hand from OpenID Connect Core 1.0
// §5.1.
func TestClaimsGolden(t *testing.T) {
	got, err := json.MarshalIndent(fullClaims(), "", "  ")
	if err != nil {
		t.Fatalf("MarshalIndent: got error %v, want nil", err)
	}
	golden.Check(t, "claims", append(got, '\n'))
}

func TestClaimsJSON(t *testing.T) {
	tests := []struct {
		name   string
		claims storage.Claims
		want   string
	}{
		{"none", storage.Claims{}, `{}`},
		{"one string", storage.Claims{Nickname: "zo"}, `{"nickname":"zo"}`},
		{"unverified email", storage.Claims{Email: "a@b.example"}, `{"email":"a@b.example"}`},
		{"verified phone", storage.Claims{PhoneNumber: "+1555", PhoneNumberVerified: true}, `{"phone_number":"+1555","phone_number_verified":true}`},
		{"one address member", storage.Claims{Address: storage.Address{Country: "NZ"}}, `{"address":{"country":"NZ"}}`},
		{"updated_at in seconds", storage.Claims{UpdatedAt: time.Unix(1700000000, 999999999)}, `{"updated_at":1700000000}`},
		{"HTML escaped", storage.Claims{Name: "<b>&"}, `{"name":"\u003cb\u003e\u0026"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.claims)
			if err != nil || string(got) != tt.want {
				t.Errorf("Marshal: got (%s, %v), want (%s, nil)", got, err, tt.want)
			}
		})
	}
}

func TestClaimsRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		claims storage.Claims
	}{
		{"none", storage.Claims{}},
		{"every member", fullClaims()},
		{"address only", storage.Claims{Address: storage.Address{StreetAddress: "a\nb"}}},
		{"before 1970", storage.Claims{UpdatedAt: time.Unix(-86400, 0).UTC()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.claims)
			if err != nil {
				t.Fatalf("Marshal: got error %v, want nil", err)
			}
			var got storage.Claims
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("Unmarshal(%s): got error %v, want nil", b, err)
			}
			if got != tt.claims {
				t.Errorf("decoded %s: got %+v, want %+v", b, got, tt.claims)
			}
		})
	}
}

func TestClaimsUnmarshal(t *testing.T) {
	tests := []struct {
		name, in string
		want     storage.Claims
		wantErr  bool
	}{
		{"unknown member ignored", `{"name":"A","sub":"x","custom":[1]}`, storage.Claims{Name: "A"}, false},
		{"updated_at", `{"updated_at":86400}`, storage.Claims{UpdatedAt: time.Unix(86400, 0).UTC()}, false},
		{"updated_at as text", `{"updated_at":"2020-01-01T00:00:00Z"}`, storage.Claims{}, true},
		{"verified as text", `{"email_verified":"true"}`, storage.Claims{}, true},
		{"not an object", `[]`, storage.Claims{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := storage.Claims{Nickname: "left over", UpdatedAt: time.Unix(5, 0)}
			err := json.Unmarshal([]byte(tt.in), &got)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Unmarshal(%s): got error %v, want error %v", tt.in, err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Errorf("Unmarshal(%s): got %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestClaimsMap(t *testing.T) {
	full := fullClaims()
	tests := []struct {
		name   string
		claims storage.Claims
		want   map[string]any
	}{
		{"none", storage.Claims{}, map[string]any{}},
		{"unverified", storage.Claims{Email: "a@b.example", PhoneNumber: "+1555"}, map[string]any{"email": "a@b.example", "phone_number": "+1555"}},
		{"address", storage.Claims{Address: storage.Address{Locality: "Paris"}}, map[string]any{"address": storage.Address{Locality: "Paris"}}},
		{"every member", full, map[string]any{
			"name": full.Name, "given_name": "Zoë", "family_name": "O'Brien", "middle_name": "Anne",
			"nickname": "zo", "preferred_username": "zoe", "profile": full.Profile, "picture": full.Picture,
			"website": full.Website, "email": full.Email, "email_verified": true, "gender": "female",
			"birthdate": "0000-02-29", "zoneinfo": "Europe/Paris", "locale": "fr-FR",
			"phone_number": "+33123456789", "phone_number_verified": true, "address": full.Address,
			"updated_at": int64(1700000000),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.claims.Map(); !maps.Equal(got, tt.want) {
				t.Errorf("Map: got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestClaimsMapMatchesJSON checks that Map and the JSON encoding release
// the same members.
func TestClaimsMapMatchesJSON(t *testing.T) {
	for _, c := range []storage.Claims{{}, fullClaims(), {Email: "a@b.example", UpdatedAt: time.Unix(1, 0)}} {
		b, _ := json.Marshal(c)
		var fromJSON map[string]any
		if err := json.Unmarshal(b, &fromJSON); err != nil {
			t.Fatal(err)
		}
		viaMap, _ := json.Marshal(c.Map())
		var fromMap map[string]any
		if err := json.Unmarshal(viaMap, &fromMap); err != nil {
			t.Fatal(err)
		}
		if len(fromMap) != len(fromJSON) {
			t.Errorf("claims %s: got %d members from Map (%s), want %d", b, len(fromMap), viaMap, len(fromJSON))
		}
		for k := range fromJSON {
			if _, ok := fromMap[k]; !ok {
				t.Errorf("claims %s: Map lacks %q", b, k)
			}
		}
	}
}

func TestUserCloneClaims(t *testing.T) {
	u := &storage.User{ID: "1", Username: "alice", Claims: fullClaims()}
	c := u.Clone()
	c.Claims.Name = "changed"
	c.Claims.Address.Locality = "changed"
	if u.Claims != fullClaims() {
		t.Errorf("changing the clone's claims changed the original: got %+v, want %+v", u.Claims, fullClaims())
	}
}

// FuzzClaimsJSON: any input that decodes encodes to a document that
// decodes to the same claims, and encoding is stable.
func FuzzClaimsJSON(f *testing.F) {
	golden, _ := os.ReadFile(filepath.Join("testdata", "claims.golden"))
	for _, s := range []string{string(golden), `{}`, `{"updated_at":-1}`, `{"address":{}}`, `{"name":"\u0000"}`, `null`, `{"updated_at":1e3}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var c storage.Claims
		if err := json.Unmarshal(in, &c); err != nil {
			return
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("Marshal of decoded %q: got error %v, want nil", in, err)
		}
		var again storage.Claims
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatalf("Unmarshal of %s, encoded from %q: got error %v, want nil", b, in, err)
		}
		b2, _ := json.Marshal(again)
		if !bytes.Equal(b, b2) || !again.UpdatedAt.Equal(c.UpdatedAt) {
			t.Errorf("input %q: encoded %s, then %s; want the same", in, b, b2)
		}
	})
}
