package stun

import "strconv"

// ErrorCode is the numeric code of ERROR-CODE (RFC 8489 §14.8): 300-699.
type ErrorCode uint16

// Error codes WebRTC meets, from RFC 8489 §14.8, RFC 8656 §18.12 and §19,
// RFC 6062 §6.3, RFC 8016 §3.3 and RFC 8445 §7.3.1.1.
const (
	CodeTryAlternate                 ErrorCode = 300 // RFC 8489
	CodeBadRequest                   ErrorCode = 400 // RFC 8489
	CodeUnauthorized                 ErrorCode = 401 // RFC 8489
	CodeForbidden                    ErrorCode = 403 // RFC 8656
	CodeMobilityForbidden            ErrorCode = 405 // RFC 8016
	CodeUnknownAttribute             ErrorCode = 420 // RFC 8489
	CodeAllocationMismatch           ErrorCode = 437 // RFC 8656
	CodeStaleNonce                   ErrorCode = 438 // RFC 8489
	CodeAddressFamilyNotSupported    ErrorCode = 440 // RFC 8656
	CodeWrongCredentials             ErrorCode = 441 // RFC 8656
	CodeUnsupportedTransportProtocol ErrorCode = 442 // RFC 8656
	CodePeerAddressFamilyMismatch    ErrorCode = 443 // RFC 8656
	CodeConnectionAlreadyExists      ErrorCode = 446 // RFC 6062
	CodeConnectionTimeoutOrFailure   ErrorCode = 447 // RFC 6062
	CodeAllocationQuotaReached       ErrorCode = 486 // RFC 8656
	CodeRoleConflict                 ErrorCode = 487 // RFC 8445
	CodeServerError                  ErrorCode = 500 // RFC 8489
	CodeInsufficientCapacity         ErrorCode = 508 // RFC 8656
)

// Reason returns the reason phrase the RFCs recommend for the code, or ""
// for codes they do not define.
func (c ErrorCode) Reason() string {
	switch c {
	case CodeTryAlternate:
		return "Try Alternate"
	case CodeBadRequest:
		return "Bad Request"
	case CodeUnauthorized:
		return "Unauthorized"
	case CodeForbidden:
		return "Forbidden"
	case CodeMobilityForbidden:
		return "Mobility Forbidden"
	case CodeUnknownAttribute:
		return "Unknown Attribute"
	case CodeAllocationMismatch:
		return "Allocation Mismatch"
	case CodeStaleNonce:
		return "Stale Nonce"
	case CodeAddressFamilyNotSupported:
		return "Address Family not Supported"
	case CodeWrongCredentials:
		return "Wrong Credentials"
	case CodeUnsupportedTransportProtocol:
		return "Unsupported Transport Protocol"
	case CodePeerAddressFamilyMismatch:
		return "Peer Address Family Mismatch"
	case CodeConnectionAlreadyExists:
		return "Connection Already Exists"
	case CodeConnectionTimeoutOrFailure:
		return "Connection Timeout or Failure"
	case CodeAllocationQuotaReached:
		return "Allocation Quota Reached"
	case CodeRoleConflict:
		return "Role Conflict"
	case CodeServerError:
		return "Server Error"
	case CodeInsufficientCapacity:
		return "Insufficient Capacity"
	}
	return ""
}

// String returns "401 Unauthorized".
func (c ErrorCode) String() string {
	s := strconv.Itoa(int(c))
	if r := c.Reason(); r != "" {
		s += " " + r
	}
	return s
}

// PasswordAlgorithm is a value of the STUN Password Algorithms registry
// (RFC 8489 §18.5).
type PasswordAlgorithm uint16

// Password algorithms (RFC 8489 §18.5.1).
const (
	PasswordAlgorithmMD5    PasswordAlgorithm = 0x0001
	PasswordAlgorithmSHA256 PasswordAlgorithm = 0x0002
)

// String returns "MD5" or "SHA-256".
func (a PasswordAlgorithm) String() string {
	switch a {
	case PasswordAlgorithmMD5:
		return "MD5"
	case PasswordAlgorithmSHA256:
		return "SHA-256"
	}
	return "PasswordAlgorithm(" + strconv.Itoa(int(a)) + ")"
}

// ResponseError returns, for an error response, an *ErrorCodeError with
// its code and reason phrase (ErrBadAttribute when ERROR-CODE is missing or
// malformed, RFC 8489 §6.3.4 then treats the response as failed); nil for
// any other class.
func (m *Message) ResponseError() error {
	if m.Type.Class != ClassError {
		return nil
	}
	code, reason, err := m.ErrorCode()
	if err != nil {
		return ErrBadAttribute
	}
	return &ErrorCodeError{Code: code, Reason: string(reason)}
}
