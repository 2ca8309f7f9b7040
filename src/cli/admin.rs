//! `admin create`.

use anyhow::bail;
use clap::Subcommand;
use taawun::auth::model::AccountCreateInput;
use taawun::auth::service::create_account_unchecked;
use taawun::kernel::config::Config;
use taawun::kernel::i18n::Locale;
use taawun::kernel::viewer::Role;

use super::{failed, open_db};

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create an administrator account.
    Create {
        #[arg(long)]
        email: String,
        /// Read from TAAWUN_NEW_ADMIN_PASSWORD when not given, so it stays out of shell history.
        #[arg(long, env = "TAAWUN_NEW_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
}

pub fn run(config: &Config, what: AdminCommand) -> anyhow::Result<()> {
    let AdminCommand::Create { email, password, name } = what;
    let db = open_db(config)?;
    let default_locale = Locale::parse(&config.default_locale).unwrap_or(Locale::Fr);
    let input = AccountCreateInput {
        email,
        password,
        full_name: name,
        role: Role::Admin,
        cooperative_id: None,
        locale: None,
        region_id: None,
    };
    // An administrator belongs to no cooperative: the existence check is never asked.
    let account = create_account_unchecked(&mut *db.conn().map_err(failed)?, input, default_locale, |_, _| Ok(false));
    match account {
        Ok(a) => println!("administrator {} created", a.email),
        Err(e) => match e.user_errors() {
            Some(errors) => bail!("{}", errors.iter().map(|e| e.message.english()).collect::<Vec<_>>().join("; ")),
            None => bail!("{}", e.detail()),
        },
    }
    Ok(())
}
