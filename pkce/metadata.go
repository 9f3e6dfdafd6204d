package pkce

// metadata lists the accepted transformation methods as
// code_challenge_methods_supported (RFC 8414 §2).
func (e *Extension) metadata() map[string]any {
	return map[string]any{"code_challenge_methods_supported": e.Methods()}
}
