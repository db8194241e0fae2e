// Package demo is cttop's synthetic source (cttop --demo): a simulated
// host with web, DNS, SSH, NAT and ICMP traffic in documentation address
// ranges, whose table fills up under a SYN flood and recovers, so the whole
// program can be tried without root or a kernel. It is deterministic for a
// seed and a sequence of Step times.
package demo
