module github.com/sansrtc/rtc/rtc-shared

go 1.26
