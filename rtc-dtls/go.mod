module github.com/sansrtc/rtc/rtc-dtls

go 1.26.0

require github.com/sansrtc/rtc/rtc-shared v0.1.0

require (
	golang.org/x/crypto v0.58.0
	golang.org/x/sys v0.49.0 // indirect
)

replace github.com/sansrtc/rtc/rtc-shared => ../rtc-shared
