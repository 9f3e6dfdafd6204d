package grantry

// GrantType is the value of the grant_type parameter at the token endpoint
// (RFC 6749 §4), or a grant type name as used in client metadata (RFC 7591
// §2) and server metadata (RFC 8414 §2).
type GrantType string

// Grant types defined by RFC 6749, RFC 7523, RFC 8628 and RFC 8693.
const (
	GrantAuthorizationCode GrantType = "authorization_code"
	GrantImplicit          GrantType = "implicit"
	GrantPassword          GrantType = "password"
	GrantClientCredentials GrantType = "client_credentials"
	GrantRefreshToken      GrantType = "refresh_token"
	GrantJWTBearer         GrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	GrantDeviceCode        GrantType = "urn:ietf:params:oauth:grant-type:device_code"
	GrantTokenExchange     GrantType = "urn:ietf:params:oauth:grant-type:token-exchange"
)

// ResponseType is the value of the response_type parameter at the
// authorization endpoint (RFC 6749 §3.1.1). Values made of several words,
// such as "code id_token", are space separated.
type ResponseType string

// Response types defined by RFC 6749 and OpenID Connect Core 1.0.
const (
	ResponseCode    ResponseType = "code"
	ResponseToken   ResponseType = "token"
	ResponseIDToken ResponseType = "id_token"
	// The response types of the OpenID Connect implicit (§3.2) and
	// hybrid (§3.3) flows.
	ResponseIDTokenToken     ResponseType = "id_token token"
	ResponseCodeIDToken      ResponseType = "code id_token"
	ResponseCodeToken        ResponseType = "code token"
	ResponseCodeIDTokenToken ResponseType = "code id_token token"
)

// AuthMethod names a client authentication method at the token,
// revocation and introspection endpoints (RFC 7591 §2, RFC 8414 §2).
type AuthMethod string

// Client authentication methods registered by RFC 7591 and RFC 7523.
const (
	AuthClientSecretBasic AuthMethod = "client_secret_basic"
	AuthClientSecretPost  AuthMethod = "client_secret_post"
	AuthNone              AuthMethod = "none"
	AuthClientSecretJWT   AuthMethod = "client_secret_jwt"
	AuthPrivateKeyJWT     AuthMethod = "private_key_jwt"
)

// Endpoint names where a client authenticates, as passed to a client's
// CheckEndpointAuthMethod.
const (
	EndpointToken         = "token"
	EndpointRevocation    = "revocation"
	EndpointIntrospection = "introspection"
	// EndpointRegistration is the client registration endpoint
	// (RFC 7591 §3), where no client authenticates.
	EndpointRegistration = "registration"
	// EndpointPushedAuthorization is the pushed authorization request
	// endpoint (RFC 9126).
	EndpointPushedAuthorization = "pushed_authorization_request"
	// EndpointDeviceAuthorization is the device authorization endpoint
	// (RFC 8628 §3.1).
	EndpointDeviceAuthorization = "device_authorization"
)

// TokenTypeBearer is the token_type of a bearer token (RFC 6750 §4).
const TokenTypeBearer = "Bearer"

// TokenTypeDPoP is the token_type of an access token bound to a DPoP key
// (RFC 9449 §5).
const TokenTypeDPoP = "DPoP"
