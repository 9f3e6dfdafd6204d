package daemon

import (
	"errors"
	"flag"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // --zoneinfo is checked alike on hosts without a time zone database
	"unicode"
	"unicode/utf8"

	"github.com/grantry/grantry/internal/origin"
	"github.com/grantry/grantry/storage"
)

// claimFlag is a flag of user create and user update that sets one claim
// of OpenID Connect Core 1.0 §5.1. An empty value clears the claim.
type claimFlag struct {
	name, usage string
	// check refuses a malformed value; nil lets any line of text pass.
	check func(v string) error
	// boolean flags take true or false, as strconv.ParseBool reads them.
	boolean bool
	// multiline values may hold newlines (§5.1.1).
	multiline bool
	set       func(c *storage.Claims, v string)
}

// text sets a string member.
func text(member func(c *storage.Claims) *string) func(*storage.Claims, string) {
	return func(c *storage.Claims, v string) { *member(c) = v }
}

// truth sets a boolean member; the empty value clears it.
func truth(member func(c *storage.Claims) *bool) func(*storage.Claims, string) {
	return func(c *storage.Claims, v string) { b, err := strconv.ParseBool(v); *member(c) = err == nil && b }
}

// claimFlags are the claim flags, in the order of §5.1.
var claimFlags = []claimFlag{
	{name: "name", usage: "full `name` (name)", set: text(func(c *storage.Claims) *string { return &c.Name })},
	{name: "given-name", usage: "given or first `name` (given_name)", set: text(func(c *storage.Claims) *string { return &c.GivenName })},
	{name: "family-name", usage: "surname or last `name` (family_name)", set: text(func(c *storage.Claims) *string { return &c.FamilyName })},
	{name: "middle-name", usage: "middle `name` (middle_name)", set: text(func(c *storage.Claims) *string { return &c.MiddleName })},
	{name: "nickname", usage: "casual `name` (nickname)", set: text(func(c *storage.Claims) *string { return &c.Nickname })},
	{name: "preferred-username", usage: "shorthand `name`, need not be unique (preferred_username)", set: text(func(c *storage.Claims) *string { return &c.PreferredUsername })},
	{name: "profile", usage: "profile page `URL`, https (profile)", check: checkClaimURL, set: text(func(c *storage.Claims) *string { return &c.Profile })},
	{name: "picture", usage: "picture `URL`, https (picture)", check: checkClaimURL, set: text(func(c *storage.Claims) *string { return &c.Picture })},
	{name: "website", usage: "web page or blog `URL`, https (website)", check: checkClaimURL, set: text(func(c *storage.Claims) *string { return &c.Website })},
	{name: "email", usage: "e-mail `address`, bare: alice@example.org (email)", check: checkEmail, set: text(func(c *storage.Claims) *string { return &c.Email })},
	{name: "email-verified", usage: "the e-mail address was verified; =false to say not (email_verified)", boolean: true, set: truth(func(c *storage.Claims) *bool { return &c.EmailVerified })},
	{name: "gender", usage: "`gender`: female, male or another value (gender)", set: text(func(c *storage.Claims) *string { return &c.Gender })},
	{name: "birthdate", usage: "`date` of birth: YYYY-MM-DD, YYYY, or 0000-MM-DD to withhold the year (birthdate)", check: checkBirthdate, set: text(func(c *storage.Claims) *string { return &c.Birthdate })},
	{name: "zoneinfo", usage: "IANA time `zone`, such as Europe/Paris (zoneinfo)", check: checkZoneinfo, set: text(func(c *storage.Claims) *string { return &c.Zoneinfo })},
	{name: "locale", usage: "BCP 47 language `tag`, such as en-US (locale)", check: checkLocale, set: text(func(c *storage.Claims) *string { return &c.Locale })},
	{name: "phone-number", usage: "telephone `number`, E.164: + and 4 to 15 digits (phone_number)", check: checkPhone, set: text(func(c *storage.Claims) *string { return &c.PhoneNumber })},
	{name: "phone-number-verified", usage: "the telephone number was verified; =false to say not (phone_number_verified)", boolean: true, set: truth(func(c *storage.Claims) *bool { return &c.PhoneNumberVerified })},
	{name: "address-formatted", usage: "full postal `address`, may hold newlines (address.formatted)", multiline: true, set: text(func(c *storage.Claims) *string { return &c.Address.Formatted })},
	{name: "address-street", usage: "`street` address, may hold newlines (address.street_address)", multiline: true, set: text(func(c *storage.Claims) *string { return &c.Address.StreetAddress })},
	{name: "address-locality", usage: "city or `locality` (address.locality)", set: text(func(c *storage.Claims) *string { return &c.Address.Locality })},
	{name: "address-region", usage: "state, province or `region` (address.region)", set: text(func(c *storage.Claims) *string { return &c.Address.Region })},
	{name: "address-postal-code", usage: "zip or postal `code` (address.postal_code)", set: text(func(c *storage.Claims) *string { return &c.Address.PostalCode })},
	{name: "address-country", usage: "`country` name (address.country)", set: text(func(c *storage.Claims) *string { return &c.Address.Country })},
}

// claimsHelp ends the summary of the commands that take claim flags.
const claimsHelp = ` The claim flags set the user's OpenID Connect claims (Core 1.0 §5.1); an empty value clears one. They are read from the command line only, never from the environment or a config file.`

// validate refuses a value the flag does not take. The empty value, which
// clears the claim, is always taken.
func (f *claimFlag) validate(v string) error {
	switch {
	case v == "":
		return nil
	case f.boolean:
		if _, err := strconv.ParseBool(v); err != nil {
			return errors.New("want true or false")
		}
		return nil
	}
	if err := checkText(v, f.multiline); err != nil {
		return err
	}
	if f.check != nil {
		return f.check(v)
	}
	return nil
}

// claimEdits are the claim flags given on a command line, in order.
type claimEdits []claimEdit

type claimEdit struct {
	flag  *claimFlag
	value string
}

// register defines the claim flags on fs.
func (e *claimEdits) register(fs *flag.FlagSet) {
	for i := range claimFlags {
		f := &claimFlags[i]
		fs.Var(claimValue{f, e}, f.name, f.usage)
	}
}

// apply returns c with the claims the flags give, set in the order
// given. A changed e-mail address or telephone number is no longer
// verified, unless a flag of the same command says it is; and only an
// address or number that is set may be verified.
func (e claimEdits) apply(c storage.Claims) (storage.Claims, error) {
	old := c
	for _, ed := range e {
		ed.flag.set(&c, ed.value)
	}
	if c.Email != old.Email && !e.has("email-verified") {
		c.EmailVerified = false
	}
	if c.PhoneNumber != old.PhoneNumber && !e.has("phone-number-verified") {
		c.PhoneNumberVerified = false
	}
	if c.EmailVerified && c.Email == "" {
		return c, errors.New("--email-verified: the user has no e-mail address; give --email")
	}
	if c.PhoneNumberVerified && c.PhoneNumber == "" {
		return c, errors.New("--phone-number-verified: the user has no telephone number; give --phone-number")
	}
	return c, nil
}

// has reports whether the flag of that name was given.
func (e claimEdits) has(name string) bool {
	for _, ed := range e {
		if ed.flag.name == name {
			return true
		}
	}
	return false
}

// claimValue is the flag.Value of a claim flag: it checks the value and
// records it in edits.
type claimValue struct {
	flag  *claimFlag
	edits *claimEdits
}

func (v claimValue) String() string { return "" }

func (v claimValue) Set(s string) error {
	if err := v.flag.validate(s); err != nil {
		return err
	}
	*v.edits = append(*v.edits, claimEdit{v.flag, s})
	return nil
}

// IsBoolFlag lets a boolean claim flag be given without a value, meaning
// true.
func (v claimValue) IsBoolFlag() bool { return v.flag != nil && v.flag.boolean }

func (claimValue) commandLineOnly() {}

// maxClaimLen bounds the length of a claim, in bytes.
const maxClaimLen = 1000

// checkText takes valid UTF-8 of at most maxClaimLen bytes, without
// control characters other than newlines in a multiline value.
func checkText(v string, multiline bool) error {
	if len(v) > maxClaimLen {
		return fmt.Errorf("want at most %d bytes, got %d", maxClaimLen, len(v))
	}
	if !utf8.ValidString(v) {
		return errors.New("want UTF-8 text")
	}
	for _, r := range v {
		if unicode.IsControl(r) && !(multiline && r == '\n') {
			return fmt.Errorf("control character %U not allowed", r)
		}
	}
	return nil
}

// checkEmail takes a bare addr-spec (RFC 5322 §3.4.1) as net/mail reads
// it: no display name, angle brackets or comments.
func checkEmail(v string) error {
	a, err := mail.ParseAddress(v)
	if err != nil || a.Name != "" || a.Address != v {
		return errors.New("want a bare e-mail address such as alice@example.org, without display name or angle brackets")
	}
	return nil
}

// checkClaimURL takes an absolute https URL with a host and no user
// information, or an http one on a loopback host.
func checkClaimURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || !u.IsAbs() || u.Opaque != "" || u.Hostname() == "" {
		return errors.New("want an absolute https URL with a host")
	}
	if u.User != nil {
		return errors.New("want a URL without user information")
	}
	if u.Scheme != "https" && (u.Scheme != "http" || !origin.Loopback(u.Hostname())) {
		return errors.New("want an https URL (http only on a loopback host)")
	}
	return nil
}

var birthdateForm = regexp.MustCompile(`^[0-9]{4}(-[0-9]{2}-[0-9]{2})?$`)

// checkBirthdate takes the forms of §5.1: YYYY-MM-DD, YYYY, or 0000-MM-DD
// when the year is withheld. A date must exist; 0000-02-29 does.
func checkBirthdate(v string) error {
	bad := errors.New("want YYYY-MM-DD, YYYY, or 0000-MM-DD to withhold the year")
	if !birthdateForm.MatchString(v) || v == "0000" {
		return bad
	}
	if len(v) == len("YYYY") {
		return nil
	}
	if rest, ok := strings.CutPrefix(v, "0000"); ok {
		v = "2000" + rest // a leap year
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		return bad
	}
	return nil
}

// checkZoneinfo takes a zone of the IANA database, as time.LoadLocation
// finds it; not "Local", which names the host's zone.
func checkZoneinfo(v string) error {
	if _, err := time.LoadLocation(v); err != nil || v == "Local" {
		return errors.New("want a time zone of the IANA database, such as Europe/Paris")
	}
	return nil
}

// phoneForm is E.164 as §5.1 recommends it, kept simple: + and 4 to 15
// digits, the first not 0; no spaces, hyphens or extensions.
var phoneForm = regexp.MustCompile(`^\+[1-9][0-9]{3,14}$`)

func checkPhone(v string) error {
	if !phoneForm.MatchString(v) {
		return errors.New("want + and 4 to 15 digits, such as +33123456789, without spaces or hyphens")
	}
	return nil
}

// localeForm is the shape of a BCP 47 language tag (RFC 5646 §2.1), kept
// simple: a language of 2 to 8 letters, then subtags of 1 to 8 letters
// or digits, separated by hyphens. Whether the subtags are registered is
// not checked.
var localeForm = regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`)

func checkLocale(v string) error {
	if strings.Contains(v, "_") {
		return errors.New("BCP 47 separates subtags with hyphens: en-US, not en_US")
	}
	if !localeForm.MatchString(v) {
		return errors.New("want a BCP 47 language tag such as en-US: a language of letters, then subtags of letters or digits, separated by hyphens")
	}
	return nil
}
