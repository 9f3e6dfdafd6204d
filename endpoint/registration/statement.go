package registration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/grantry/grantry"
	"github.com/grantry/grantry/keyset"
)

// applyStatement checks the software statement of m, if any
// (RFC 7591 §2.3), and lets its claims replace the members they name
// (RFC 7591 §3.1.1). A statement that is not a JWS signed with a trusted
// key, or whose claims are not usable, is invalid_software_statement; one
// the server has no key for is unapproved_software_statement.
func (e *Endpoint) applyStatement(ctx context.Context, m members) error {
	raw, ok := m[memberSoftwareStatement]
	if !ok || string(raw) == "null" {
		return nil
	}
	var stmt string
	if json.Unmarshal(raw, &stmt) != nil || stmt == "" {
		return statementError(grantry.ErrInvalidSoftwareStatement, "software_statement is not a JWT")
	}
	claims, err := e.verifyStatement(ctx, stmt)
	if err != nil {
		return err
	}
	for name, v := range claims {
		switch name {
		case memberSoftwareStatement, memberClientID, memberClientSecret, memberRegistrationToken,
			memberRegistrationURI, memberIDIssuedAt, memberSecretExpiresAt:
			continue // never set by a statement
		}
		m[name] = v
	}
	return nil
}

// verifyStatement checks the signature of a statement with
// Config.SoftwareStatementKeys and returns its claims: a JSON object with
// an iss (RFC 7591 §2.3) and, if it has one, an exp not past.
func (e *Endpoint) verifyStatement(ctx context.Context, stmt string) (members, error) {
	if e.cfg.SoftwareStatementKeys == nil {
		return nil, statementError(grantry.ErrUnapprovedSoftwareStatement, "the server trusts no software statement")
	}
	v, err := keyset.Verify(ctx, stmt, e.cfg.SoftwareStatementKeys, e.cfg.SoftwareStatementAlgorithms)
	switch {
	case errors.Is(err, keyset.ErrUnknownKey):
		return nil, statementError(grantry.ErrUnapprovedSoftwareStatement, "the software statement is not signed by a trusted issuer")
	case errors.Is(err, keyset.ErrMalformed), errors.Is(err, keyset.ErrAlgorithm), errors.Is(err, keyset.ErrSignature):
		return nil, statementError(grantry.ErrInvalidSoftwareStatement, "the software statement is not validly signed")
	case err != nil:
		return nil, err // the key source could not be reached
	}
	claims, err := decodeMembers(v.Payload)
	if err != nil {
		return nil, statementError(grantry.ErrInvalidSoftwareStatement, "the software statement's claims are not a JSON object")
	}
	return claims, e.checkStatementClaims(claims)
}

// checkStatementClaims requires a string iss and an exp, when present,
// that is a number not in the past.
func (e *Endpoint) checkStatementClaims(claims members) error {
	var iss string
	if json.Unmarshal(claims["iss"], &iss) != nil || iss == "" {
		return statementError(grantry.ErrInvalidSoftwareStatement, "the software statement has no iss")
	}
	raw, ok := claims["exp"]
	if !ok {
		return nil
	}
	var exp float64
	if json.Unmarshal(raw, &exp) != nil {
		return statementError(grantry.ErrInvalidSoftwareStatement, "the software statement's exp is not a number")
	}
	if !e.cfg.Now().Before(time.Unix(int64(exp), 0)) {
		return statementError(grantry.ErrInvalidSoftwareStatement, "the software statement has expired")
	}
	return nil
}

func statementError(code grantry.ErrorCode, description string) *grantry.Error {
	return grantry.NewError(code, fmt.Sprint(description))
}
