package ui

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Styles are the looks of every part, built once for a background.
type Styles struct {
	Title, Dim, Bold       lipgloss.Style
	GaugeOK, GaugeWarn     lipgloss.Style
	GaugeAlarm, GaugeEmpty lipgloss.Style
	Alarm, Warn, Good      lipgloss.Style
	Notice                 lipgloss.Style
	ColHeader, ColSorted   lipgloss.Style
	Cursor, NAT            lipgloss.Style
	StatusBar, StatusError lipgloss.Style
	// Glyphs are the characters drawn beyond ASCII letters, or their
	// ASCII forms (glyphs.go).
	Glyphs glyphs
}

// NewStyles builds the styles for a dark or light background.
func NewStyles(isDark bool) Styles {
	ld := lipgloss.LightDark(isDark)
	c := func(light, dark string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(dark)) }
	red, yellow, green := c("#c00000", "#ff5f5f"), c("#8a6d00", "#ffd75f"), c("#007a00", "#5fd75f")
	return Styles{
		Title:       lipgloss.NewStyle().Bold(true),
		Dim:         lipgloss.NewStyle().Foreground(c("#6c6c6c", "#8a8a8a")),
		Bold:        lipgloss.NewStyle().Bold(true),
		GaugeOK:     lipgloss.NewStyle().Foreground(green),
		GaugeWarn:   lipgloss.NewStyle().Foreground(yellow).Bold(true),
		GaugeAlarm:  lipgloss.NewStyle().Foreground(red).Bold(true),
		GaugeEmpty:  lipgloss.NewStyle().Foreground(c("#c6c6c6", "#444444")),
		Alarm:       lipgloss.NewStyle().Foreground(red).Bold(true),
		Warn:        lipgloss.NewStyle().Foreground(yellow),
		Good:        lipgloss.NewStyle().Foreground(green),
		Notice:      lipgloss.NewStyle().Foreground(c("#005f87", "#87afff")),
		ColHeader:   lipgloss.NewStyle().Bold(true),
		ColSorted:   lipgloss.NewStyle().Bold(true).Foreground(c("#005f87", "#87afff")),
		Cursor:      lipgloss.NewStyle().Reverse(true),
		NAT:         lipgloss.NewStyle().Foreground(c("#875f00", "#d7af5f")),
		StatusBar:   lipgloss.NewStyle().Foreground(c("#4e4e4e", "#bcbcbc")),
		StatusError: lipgloss.NewStyle().Foreground(red).Bold(true),
		Glyphs:      unicodeGlyphs,
	}
}
