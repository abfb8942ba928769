module github.com/sansrtc/rtc/rtc-ice

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/sansrtc/rtc/rtc-shared v0.1.0
	github.com/sansrtc/rtc/rtc-stun v0.1.0
	github.com/sansrtc/rtc/rtc-turn v0.1.0
)

require golang.org/x/text v0.43.0 // indirect

replace (
	github.com/sansrtc/rtc/rtc-shared => ../rtc-shared
	github.com/sansrtc/rtc/rtc-stun => ../rtc-stun
	github.com/sansrtc/rtc/rtc-turn => ../rtc-turn
)
