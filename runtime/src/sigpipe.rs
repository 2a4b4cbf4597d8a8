//! SIGPIPE never kills the host.
//!
//! A write to a socket the server has closed raises SIGPIPE, whose default action kills the
//! process. Rust programs, CPython and Node ignore it; a C program or PHP does not. The runtime
//! threads block it for good; a blocking call on the caller's thread blocks it for the call's
//! duration only and then discards a SIGPIPE the call itself raised, leaving the host's signal
//! mask and dispositions as they were.

/// Block SIGPIPE on the calling thread (for threads wxpay owns).
pub(crate) fn block_on_this_thread() {
    #[cfg(unix)]
    // SAFETY: plain libc calls on a local signal set, for the calling thread only.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// SIGPIPE blocked on this (the caller's) thread while it lives; on drop, a SIGPIPE raised
/// meanwhile on this thread is consumed and the caller's mask restored.
pub(crate) struct Guard {
    #[cfg(unix)]
    restore: Option<libc::sigset_t>,
}

impl Guard {
    pub(crate) fn new() -> Guard {
        #[cfg(unix)]
        // SAFETY: libc calls on local signal sets, for the calling thread only.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGPIPE);
            if libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old) != 0 {
                return Guard { restore: None };
            }
            if libc::sigismember(&old, libc::SIGPIPE) == 1 {
                return Guard { restore: None }; // already blocked by the host: nothing to undo
            }
            Guard { restore: Some(old) }
        }
        #[cfg(not(unix))]
        Guard {}
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(old) = self.restore.take() {
            // SAFETY: as above; the zero timeout makes sigtimedwait a poll.
            unsafe {
                let mut pending: libc::sigset_t = std::mem::zeroed();
                libc::sigpending(&mut pending);
                if libc::sigismember(&pending, libc::SIGPIPE) == 1 {
                    let mut set: libc::sigset_t = std::mem::zeroed();
                    libc::sigemptyset(&mut set);
                    libc::sigaddset(&mut set, libc::SIGPIPE);
                    let zero = libc::timespec {
                        tv_sec: 0,
                        tv_nsec: 0,
                    };
                    libc::sigtimedwait(&set, std::ptr::null_mut(), &zero);
                }
                libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
            }
        }
    }
}
