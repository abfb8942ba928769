// Package interceptor will hold sans-I/O RTP/RTCP processors: NACK (RFC 4585),
// RTX (RFC 4588), sender/receiver reports (RFC 3550), transport-wide congestion
// control feedback and bandwidth estimation.
//
// Not implemented yet: this module is a placeholder so that the workspace
// layout is complete. See README.md for its planned scope.
package interceptor
