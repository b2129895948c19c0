import CNcurses
import Glibc

/// The terminal, through ncursesw: draws frames, reads keys and clicks. The only file that
/// talks to curses (htop keeps its curses calls in CRT.c the same way).
final class NcursesTerminal {
    private let window: UnsafeMutablePointer<WINDOW>
    private var styles: [Style: attr_t] = [:]

    /// Takes over the terminal; `restore()` (or the signal handlers installed here) gives it back.
    ///
    /// - Parameter color: whether to use colours (`--no-color` and `NO_COLOR` turn them off).
    init(color: Bool) {
        Self.selectUTF8Locale()
        initscr()
        window = cncurses_stdscr()!
        Self.installRestoringSignalHandlers()
        cbreak()
        noecho()
        nonl()
        keypad(window, true)
        curs_set(0)
        set_escdelay(25)
        mousemask(cncurses_button1_mask(), nil)
        mouseinterval(0)
        styles = Self.makeStyles(color: color && has_colors())
    }

    /// The size of the screen, in cells.
    var size: (width: Int, height: Int) {
        (Int(cncurses_cols()), Int(cncurses_lines()))
    }

    /// Draws `frame`, changing only what differs from the last one on screen (curses does the diffing).
    func draw(_ frame: Frame) {
        for (row, spans) in frame.lines.enumerated() {
            wmove(window, Int32(row), 0)
            for span in spans {
                wattrset(window, Int32(bitPattern: styles[span.style] ?? cncurses_a_normal()))
                var characters = Array(span.text.unicodeScalars.map { wchar_t(bitPattern: $0.value) })
                characters.append(0)
                // The bottom-right cell cannot be written without scrolling; its error is harmless.
                _ = waddwstr(window, characters)
            }
        }
        if let cursor = frame.cursor {
            curs_set(1)
            wmove(window, Int32(cursor.row), Int32(cursor.column))
        } else {
            curs_set(0)
        }
        wrefresh(window)
    }

    /// Waits up to `milliseconds` for a key or click; nil on timeout.
    func nextKey(timeout milliseconds: Int) -> Key? {
        wtimeout(window, Int32(max(milliseconds, 0)))
        var character: wint_t = 0
        let result = wget_wch(window, &character)
        if result == ERR { return nil }
        if result == KEY_CODE_YES { return Self.functionKey(Int32(character)) }
        switch character {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        default: return Unicode.Scalar(UInt32(character)).map { .character(Character($0)) }
        }
    }

    /// Ends curses mode and gives the terminal back as it was.
    func restore() {
        endwin()
    }

    // MARK: - Keys

    private static func functionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_ENTER: return .enter
        case KEY_BTAB: return .backTab
        case KEY_BACKSPACE: return .backspace
        case KEY_RESIZE: return .resize
        case KEY_MOUSE:
            var event = MEVENT()
            guard getmouse(&event) == OK, event.bstate & cncurses_button1_mask() != 0 else { return nil }
            return .click(row: Int(event.y), column: Int(event.x))
        default:
            for number in 1...12 where code == cncurses_key_f(Int32(number)) { return .function(number) }
            return nil
        }
    }

    // MARK: - Styles

    private static func makeStyles(color: Bool) -> [Style: attr_t] {
        let bold = cncurses_a_bold()
        let reverse = cncurses_a_reverse()
        let dim = cncurses_a_dim()
        guard color else {
            return [
                .bold: bold, .title: bold | reverse, .tabActive: reverse | bold, .columnHeader: reverse,
                .columnHeaderSorted: reverse | bold, .highlighted: reverse, .exported: bold, .barHigh: bold,
                .statusKey: reverse | bold, .error: bold, .windowTitle: reverse | bold, .dim: dim,
            ]
        }
        start_color()
        use_default_colors()
        let pairs: [(Style, Int16, Int16, attr_t)] = [
            (.title, Int16(COLOR_BLACK), Int16(COLOR_CYAN), bold),
            (.tabActive, Int16(COLOR_BLACK), Int16(COLOR_CYAN), bold),
            (.tabInactive, Int16(COLOR_CYAN), -1, 0),
            (.columnHeader, Int16(COLOR_BLACK), Int16(COLOR_GREEN), 0),
            (.columnHeaderSorted, Int16(COLOR_BLACK), Int16(COLOR_CYAN), bold),
            (.highlighted, Int16(COLOR_BLACK), Int16(COLOR_CYAN), 0),
            (.exported, Int16(COLOR_CYAN), -1, bold),
            (.barLow, Int16(COLOR_GREEN), -1, 0),
            (.barMedium, Int16(COLOR_YELLOW), -1, 0),
            (.barHigh, Int16(COLOR_RED), -1, bold),
            (.statusKey, Int16(COLOR_BLACK), Int16(COLOR_CYAN), 0),
            (.statusText, -1, -1, 0),
            (.error, Int16(COLOR_RED), -1, bold),
            (.windowTitle, Int16(COLOR_BLACK), Int16(COLOR_GREEN), bold),
        ]
        var styles: [Style: attr_t] = [.bold: bold, .dim: dim, .normal: cncurses_a_normal()]
        for (index, (style, foreground, background, attributes)) in pairs.enumerated() {
            init_pair(Int16(index + 1), foreground, background)
            styles[style] = cncurses_color_pair(Int16(index + 1)) | attributes
        }
        return styles
    }

    // MARK: - Process setup

    /// Uses the user's locale if it is UTF-8, else C.UTF-8: without a UTF-8 locale ncursesw
    /// prints names with non-ASCII characters as garbage.
    private static func selectUTF8Locale() {
        setlocale(LC_ALL, "")
        let codeset = String(cString: nl_langinfo(nl_item(CODESET)))
        if codeset != "UTF-8" { setlocale(LC_ALL, "C.UTF-8") }
    }

    /// Restores the terminal before dying of SIGTERM, SIGINT (Ctrl-C), SIGHUP or SIGQUIT.
    private static func installRestoringSignalHandlers() {
        for number in [SIGTERM, SIGINT, SIGHUP, SIGQUIT] {
            signal(number) { received in
                endwin()
                signal(received, SIG_DFL)
                raise(received)
            }
        }
    }
}
