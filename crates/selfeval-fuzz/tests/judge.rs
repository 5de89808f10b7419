//! The judge of recorded events (`core::validate::check_event`, which
//! import and `verify` run on every event) against `handle`, the judge of
//! commands: over random command sequences, every event `handle` produces
//! is accepted by the judge on the same state, and for the commands whose
//! one event the command names (every kind the generator makes but actual
//! values, whose events carry values `handle` computes), what `handle`
//! refuses by a rule the judge refuses too.

use proptest::prelude::*;
use selfeval_core::event::*;
use selfeval_core::validate::check_event;
use selfeval_core::{handle, RecordedEvent, RejectionKind, State};

#[path = "../../selfeval-ledger/tests/it/commands.rs"]
#[allow(dead_code)]
mod commands;

use commands::{command, init, request};
use selfeval_fuzz::event_named_by;

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn what_handle_records_the_judge_accepts_and_what_it_refuses_by_a_rule_the_judge_refuses(
        commands in prop::collection::vec(command(), 1..40),
    ) {
        let mut state = State::default();
        let mut seq = 0u64;
        let mut judge = |state: &mut State, meta: &Meta, payload: EventPayload, apply: bool| {
            let event = RecordedEvent { seq: seq + 1, meta: meta.clone(), payload };
            let judged = check_event(state, &event);
            if apply {
                seq += 1;
                state.apply(&event);
            }
            judged
        };
        let first = request(0, false, init());
        for payload in handle(&state, &first).unwrap() {
            judge(&mut state, &first.meta, payload, true).unwrap();
        }
        for (i, (reason, command)) in commands.into_iter().enumerate() {
            let request = request(i + 1, reason, command);
            match handle(&state, &request) {
                Ok(payloads) => {
                    for payload in payloads {
                        let judged = judge(&mut state, &request.meta, payload.clone(), true);
                        prop_assert!(judged.is_ok(), "handle recorded {:?}, the judge says {:?}", payload, judged);
                    }
                }
                Err(refused) if refused.kind != RejectionKind::InvalidValue => {
                    if let Some(payload) = event_named_by(&state, &request.command) {
                        let judged = judge(&mut state, &request.meta, payload.clone(), false);
                        prop_assert!(
                            judged.is_err(),
                            "handle refused {:?} ({}), the judge accepts {:?}",
                            request.command,
                            refused,
                            payload
                        );
                    }
                }
                Err(_) => {}
            }
        }
    }
}
