// Package media will hold media samples, a jitter buffer, and IVF, Ogg/Opus
// and H.264 Annex B readers and writers.
//
// Not implemented yet: this module is a placeholder so that the workspace
// layout is complete. See README.md for its planned scope.
package media
