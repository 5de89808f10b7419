//! The ledger the server reads: opened when a page needs the store, kept
//! while pages keep asking for it, and let go once none has for [`HOLD`],
//! or once it has been held for [`MOST`] whatever the traffic; after that
//! the server waits [`YIELD`] before it opens the store again, longer
//! than a waiting command's longest pause between two tries (0.25 s), so
//! that a command on a directory store waits about a second at most while
//! pages keep coming (its busy timeout is 2.5 s by default). A PostgreSQL
//! ledger is never held (commands never wait there, and a held connection
//! would not see their writes).

use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use selfeval_ledger::{acknowledged_head, Ledger, LedgerError, LedgerSettings, Location, Purpose};

/// How long a directory store is kept open after the last page that read it.
pub const HOLD: Duration = Duration::from_millis(250);
/// The longest a directory store is kept open at a time.
pub const MOST: Duration = Duration::from_secs(1);
/// How long the store is left free after it was held for [`MOST`].
pub const YIELD: Duration = Duration::from_millis(300);

struct Slot {
    ledger: Option<Ledger>,
    /// When the ledger was opened and last read.
    opened: Instant,
    used: Instant,
    /// When it was let go after [`MOST`], if it was.
    yielded: Option<Instant>,
    /// Whether a thread is waiting to let the ledger go.
    watched: bool,
}

/// The ledger, held between pages (see the module's text).
pub struct Held {
    slot: Arc<Mutex<Slot>>,
    location: Location,
    settings: LedgerSettings,
    hold: Duration,
}

impl Held {
    pub fn new(location: Location, settings: LedgerSettings) -> Held {
        let hold = match location {
            Location::Dir(_) => HOLD,
            Location::Postgres(_) => Duration::ZERO,
        };
        let slot = Slot { ledger: None, opened: Instant::now(), used: Instant::now(), yielded: None, watched: false };
        Held { slot: Arc::new(Mutex::new(slot)), location, settings, hold }
    }

    /// Runs `read` on the ledger, opened to read if it is not held
    /// (blocking: called on a blocking thread).
    pub fn with<T>(&self, read: impl FnOnce(&Ledger) -> Result<T, LedgerError>) -> Result<T, LedgerError> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        // Nobody writes a store held here: one whose acknowledged head is
        // not the held ledger's was replaced (a directory removed and made
        // again) and is opened anew.
        let ledger = match slot.ledger.take() {
            Some(ledger) if acknowledged_head(&self.location)?.is_none_or(|head| head == *ledger.head()) => ledger,
            _ => {
                if let Some(left) = slot.yielded.take().and_then(|at| YIELD.checked_sub(at.elapsed())) {
                    std::thread::sleep(left);
                }
                slot.opened = Instant::now();
                Ledger::open(&self.location, &self.settings, Purpose::Read)?
            }
        };
        let result = read(&ledger);
        slot.used = Instant::now();
        if slot.opened.elapsed() >= MOST {
            slot.yielded = Some(Instant::now());
        } else if !self.hold.is_zero() {
            slot.ledger = Some(ledger);
            if !slot.watched {
                slot.watched = true;
                let (weak, hold) = (Arc::downgrade(&self.slot), self.hold);
                std::thread::spawn(move || let_go(&weak, hold));
            }
        }
        result
    }
}

/// Lets the ledger go once no page has read it for `hold` (or the server
/// is gone).
fn let_go(slot: &Weak<Mutex<Slot>>, hold: Duration) {
    loop {
        std::thread::sleep(hold / 5);
        let Some(slot) = slot.upgrade() else { return };
        let mut slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.used.elapsed() >= hold {
            slot.ledger = None;
            slot.watched = false;
            return;
        }
    }
}
