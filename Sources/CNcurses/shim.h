// What Swift cannot import from ncursesw directly: the globals Swift 6 rejects as not
// concurrency-safe (stdscr, LINES, COLS, COLORS) and the function-like macros (attributes,
// COLOR_PAIR, getmaxyx). Everything else is used straight from <ncursesw/curses.h>.
#ifndef CNCURSES_SHIM_H
#define CNCURSES_SHIM_H

// Wide-character API (add_wch, mvaddnwstr); SwiftPM drops pkg-config's -D flags, so define here.
#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <ncursesw/curses.h>

static inline WINDOW *cncurses_stdscr(void) { return stdscr; }
static inline int cncurses_lines(void) { return LINES; }
static inline int cncurses_cols(void) { return COLS; }
static inline int cncurses_colors(void) { return COLORS; }

static inline attr_t cncurses_a_normal(void) { return A_NORMAL; }
static inline attr_t cncurses_a_bold(void) { return A_BOLD; }
static inline attr_t cncurses_a_reverse(void) { return A_REVERSE; }
static inline attr_t cncurses_a_dim(void) { return A_DIM; }
static inline attr_t cncurses_a_underline(void) { return A_UNDERLINE; }
static inline attr_t cncurses_color_pair(short pair) { return COLOR_PAIR(pair); }

static inline int cncurses_key_f(int n) { return KEY_F(n); }

/// Mouse: button 1 presses and clicks, reported through getch as KEY_MOUSE.
static inline mmask_t cncurses_button1_mask(void) { return BUTTON1_PRESSED | BUTTON1_CLICKED; }

#endif
