module github.com/sansrtc/rtc/rtc-ice

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/sansrtc/rtc/rtc-shared v0.0.0
	github.com/sansrtc/rtc/rtc-stun v0.0.0
	github.com/sansrtc/rtc/rtc-turn v0.0.0-00010101000000-000000000000
)

require golang.org/x/text v0.43.0 // indirect

replace (
	github.com/sansrtc/rtc/rtc-shared => ../rtc-shared
	github.com/sansrtc/rtc/rtc-stun => ../rtc-stun
	github.com/sansrtc/rtc/rtc-turn => ../rtc-turn
)
