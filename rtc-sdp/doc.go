// Package sdp is part of sansrtc, a sans-I/O WebRTC stack.
//
// Not implemented yet: this module is a placeholder so that the workspace
// layout is complete. See README.md for its planned scope.
package sdp
