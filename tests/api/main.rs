//! API tests: the real app over HTTP, on SQLite and (with TAAWUN_TEST_DATABASE_URL) PostgreSQL.

mod helpers;
mod mail;
mod meili_mock;
mod stripe_mock;
mod webhook_receiver;

mod academy;
mod account_flows;
mod accounts;
mod bad_input;
mod browse;
mod catalogue_reads;
mod contract;
mod crash;
mod http;
mod images;
mod ledger;
mod manage;
mod nodes;
mod orders;
mod paging;
mod permissions;
mod pg_restart;
mod projects;
mod promotions;
mod registry;
mod returns;
mod reviews;
mod scoring;
mod search;
mod shape;
mod storage;
mod storefront_keys;
mod webhooks;
