package storage

import (
	"encoding/json"
	"time"
)

// Claims are the standard claims about a user of OpenID Connect Core 1.0
// §5.1, which an OpenID provider releases in UserInfo responses and ID
// tokens. A member is set when it is not its zero value. Stores keep the
// members as given: checking their form is the caller's part. Members are
// UTF-8 text; the JSON encoding, in which sqlstore keeps them, replaces
// invalid bytes with U+FFFD.
//
// The JSON encoding is the one of §5.1: members that are not set are
// left out, and updated_at is a number of seconds since the Unix epoch.
type Claims struct {
	// Name is the full name, in displayable form.
	Name string `json:"name,omitempty"`
	// GivenName is the given or first name.
	GivenName string `json:"given_name,omitempty"`
	// FamilyName is the surname or last name.
	FamilyName string `json:"family_name,omitempty"`
	// MiddleName is the middle name.
	MiddleName string `json:"middle_name,omitempty"`
	// Nickname is a casual name.
	Nickname string `json:"nickname,omitempty"`
	// PreferredUsername is the shorthand name the user wishes to be
	// referred to by; unlike the user name, it need not be unique.
	PreferredUsername string `json:"preferred_username,omitempty"`
	// Profile is the URL of the user's profile page.
	Profile string `json:"profile,omitempty"`
	// Picture is the URL of the user's picture.
	Picture string `json:"picture,omitempty"`
	// Website is the URL of the user's web page or blog.
	Website string `json:"website,omitempty"`
	// Email is the preferred e-mail address (RFC 5322 addr-spec).
	Email string `json:"email,omitempty"`
	// EmailVerified says that the e-mail address was verified.
	EmailVerified bool `json:"email_verified,omitempty"`
	// Gender is "female", "male" or another value.
	Gender string `json:"gender,omitempty"`
	// Birthdate is YYYY-MM-DD, YYYY, or 0000-MM-DD when the year is
	// withheld.
	Birthdate string `json:"birthdate,omitempty"`
	// Zoneinfo is a time zone of the IANA database, such as
	// Europe/Paris.
	Zoneinfo string `json:"zoneinfo,omitempty"`
	// Locale is a BCP 47 language tag, such as en-US.
	Locale string `json:"locale,omitempty"`
	// PhoneNumber is the preferred telephone number, in E.164 form
	// such as +33123456789.
	PhoneNumber string `json:"phone_number,omitempty"`
	// PhoneNumberVerified says that the telephone number was verified.
	PhoneNumberVerified bool `json:"phone_number_verified,omitempty"`
	// Address is the preferred postal address (§5.1.1).
	Address Address `json:"address,omitzero"`
	// UpdatedAt is when the claims last changed, to the second, the
	// precision of the claim. Stores set it in UpdateUserClaims.
	UpdatedAt time.Time `json:"-"`
}

// Address is a postal address, the address claim of OpenID Connect Core
// 1.0 §5.1.1. It is set when any member is.
type Address struct {
	// Formatted is the full address for display; it may hold newlines.
	Formatted string `json:"formatted,omitempty"`
	// StreetAddress is the street, house number and so on; it may hold
	// newlines.
	StreetAddress string `json:"street_address,omitempty"`
	// Locality is the city or locality.
	Locality string `json:"locality,omitempty"`
	// Region is the state, province or region.
	Region string `json:"region,omitempty"`
	// PostalCode is the zip or postal code.
	PostalCode string `json:"postal_code,omitempty"`
	// Country is the country name.
	Country string `json:"country,omitempty"`
}

// plainClaims has the fields of Claims without its methods, so that the
// JSON methods can encode it with the standard rules.
type plainClaims Claims

// claimsJSON is Claims as §5.1 encodes it: updated_at in seconds.
type claimsJSON struct {
	plainClaims
	UpdatedAt int64 `json:"updated_at,omitempty"`
}

// MarshalJSON encodes the claims that are set, with updated_at as a
// number of seconds since the Unix epoch.
func (c Claims) MarshalJSON() ([]byte, error) {
	w := claimsJSON{plainClaims: plainClaims(c)}
	if !c.UpdatedAt.IsZero() {
		w.UpdatedAt = c.UpdatedAt.Unix()
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes claims encoded by MarshalJSON. Members it does
// not know are ignored.
func (c *Claims) UnmarshalJSON(b []byte) error {
	var w claimsJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*c = Claims(w.plainClaims)
	c.UpdatedAt = time.Time{}
	if w.UpdatedAt != 0 {
		c.UpdatedAt = time.Unix(w.UpdatedAt, 0).UTC()
	}
	return nil
}

// Map returns the members that are set, keyed by claim name, for an
// OpenID provider to pick from by scope (§5.4). Values are as in the
// JSON encoding: a string, true for a verified address or number, an
// Address, and updated_at as an int64 of seconds since the Unix epoch.
// The map is new on each call.
func (c Claims) Map() map[string]any {
	m := make(map[string]any)
	for name, v := range map[string]string{
		"name": c.Name, "given_name": c.GivenName, "family_name": c.FamilyName,
		"middle_name": c.MiddleName, "nickname": c.Nickname,
		"preferred_username": c.PreferredUsername, "profile": c.Profile,
		"picture": c.Picture, "website": c.Website, "email": c.Email,
		"gender": c.Gender, "birthdate": c.Birthdate, "zoneinfo": c.Zoneinfo,
		"locale": c.Locale, "phone_number": c.PhoneNumber,
	} {
		if v != "" {
			m[name] = v
		}
	}
	if c.EmailVerified {
		m["email_verified"] = true
	}
	if c.PhoneNumberVerified {
		m["phone_number_verified"] = true
	}
	if c.Address != (Address{}) {
		m["address"] = c.Address
	}
	if !c.UpdatedAt.IsZero() {
		m["updated_at"] = c.UpdatedAt.Unix()
	}
	return m
}
