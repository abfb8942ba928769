// Package media turns RTP packets into media frames and reads and writes
// media files, without goroutines, clocks or I/O of its own.
package media
