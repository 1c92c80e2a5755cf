//! The built-in wording of every email in every dashboard language. Each string may use the
//! placeholders of [`super::PLACEHOLDERS`].

use clientele_domain::{EmailKind, Language};

/// The parts of one email's built-in wording.
pub(super) struct Wording {
    pub subject: &'static str,
    pub heading: &'static str,
    pub body: &'static str,
    pub button: &'static str,
    pub expiry: &'static str,
    pub ignore: &'static str,
    pub footer: &'static str,
}

pub(super) fn wording(kind: EmailKind, language: Language) -> Wording {
    use EmailKind::*;
    use Language::*;
    match (kind, language) {
        (Invitation, En) => Wording {
            subject: "You're invited to {{ product_name }}",
            heading: "Welcome, {{ user_name }}",
            body: "{{ organization_name }} has invited you to {{ product_name }}. Choose a password to sign in.",
            button: "Accept invitation",
            expiry: "This link works once and expires on {{ expires_at }}.",
            ignore: "If you did not expect this invitation, you can ignore this email.",
            footer: "Questions? Write to {{ support_email }}.",
        },
        (Invitation, Es) => Wording {
            subject: "Te han invitado a {{ product_name }}",
            heading: "Hola, {{ user_name }}",
            body: "{{ organization_name }} te ha invitado a {{ product_name }}. Elige una contraseña para iniciar sesión.",
            button: "Aceptar la invitación",
            expiry: "Este enlace funciona una sola vez y caduca el {{ expires_at }}.",
            ignore: "Si no esperabas esta invitación, puedes ignorar este correo.",
            footer: "¿Preguntas? Escribe a {{ support_email }}.",
        },
        (Invitation, De) => Wording {
            subject: "Einladung zu {{ product_name }}",
            heading: "Willkommen, {{ user_name }}",
            body: "{{ organization_name }} hat Sie zu {{ product_name }} eingeladen. Wählen Sie ein Passwort, um sich anzumelden.",
            button: "Einladung annehmen",
            expiry: "Dieser Link funktioniert einmal und läuft am {{ expires_at }} ab.",
            ignore: "Wenn Sie diese Einladung nicht erwartet haben, können Sie diese E-Mail ignorieren.",
            footer: "Fragen? Schreiben Sie an {{ support_email }}.",
        },
        (Invitation, Fr) => Wording {
            subject: "Vous êtes invité sur {{ product_name }}",
            heading: "Bienvenue, {{ user_name }}",
            body: "{{ organization_name }} vous invite sur {{ product_name }}. Choisissez un mot de passe pour vous connecter.",
            button: "Accepter l'invitation",
            expiry: "Ce lien ne fonctionne qu'une fois et expire le {{ expires_at }}.",
            ignore: "Si vous n'attendiez pas cette invitation, vous pouvez ignorer cet e-mail.",
            footer: "Des questions ? Écrivez à {{ support_email }}.",
        },
        (Invitation, Pt) => Wording {
            subject: "Você foi convidado para o {{ product_name }}",
            heading: "Olá, {{ user_name }}",
            body: "{{ organization_name }} convidou você para o {{ product_name }}. Escolha uma senha para entrar.",
            button: "Aceitar convite",
            expiry: "Este link funciona uma única vez e expira em {{ expires_at }}.",
            ignore: "Se você não esperava este convite, pode ignorar este e-mail.",
            footer: "Dúvidas? Escreva para {{ support_email }}.",
        },
        (PasswordReset, En) => Wording {
            subject: "Reset your {{ product_name }} password",
            heading: "Reset your password",
            body: "Hi {{ user_name }}, we received a request to reset the password of your {{ product_name }} account.",
            button: "Choose a new password",
            expiry: "This link works once and expires on {{ expires_at }}.",
            ignore: "If you did not ask for this, ignore this email: your password stays as it is.",
            footer: "Questions? Write to {{ support_email }}.",
        },
        (PasswordReset, Es) => Wording {
            subject: "Restablece tu contraseña de {{ product_name }}",
            heading: "Restablece tu contraseña",
            body: "Hola, {{ user_name }}: hemos recibido una solicitud para restablecer la contraseña de tu cuenta de {{ product_name }}.",
            button: "Elegir una contraseña nueva",
            expiry: "Este enlace funciona una sola vez y caduca el {{ expires_at }}.",
            ignore: "Si no lo has solicitado, ignora este correo: tu contraseña no cambiará.",
            footer: "¿Preguntas? Escribe a {{ support_email }}.",
        },
        (PasswordReset, De) => Wording {
            subject: "Setzen Sie Ihr {{ product_name }}-Passwort zurück",
            heading: "Passwort zurücksetzen",
            body: "Hallo {{ user_name }}, wir haben eine Anfrage erhalten, das Passwort Ihres {{ product_name }}-Kontos zurückzusetzen.",
            button: "Neues Passwort wählen",
            expiry: "Dieser Link funktioniert einmal und läuft am {{ expires_at }} ab.",
            ignore: "Wenn Sie das nicht angefordert haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt unverändert.",
            footer: "Fragen? Schreiben Sie an {{ support_email }}.",
        },
        (PasswordReset, Fr) => Wording {
            subject: "Réinitialisez votre mot de passe {{ product_name }}",
            heading: "Réinitialisez votre mot de passe",
            body: "Bonjour {{ user_name }}, nous avons reçu une demande de réinitialisation du mot de passe de votre compte {{ product_name }}.",
            button: "Choisir un nouveau mot de passe",
            expiry: "Ce lien ne fonctionne qu'une fois et expire le {{ expires_at }}.",
            ignore: "Si vous n'êtes pas à l'origine de cette demande, ignorez cet e-mail : votre mot de passe reste inchangé.",
            footer: "Des questions ? Écrivez à {{ support_email }}.",
        },
        (PasswordReset, Pt) => Wording {
            subject: "Redefina sua senha do {{ product_name }}",
            heading: "Redefina sua senha",
            body: "Olá, {{ user_name }}. Recebemos um pedido para redefinir a senha da sua conta do {{ product_name }}.",
            button: "Escolher uma nova senha",
            expiry: "Este link funciona uma única vez e expira em {{ expires_at }}.",
            ignore: "Se você não fez este pedido, ignore este e-mail: sua senha continua a mesma.",
            footer: "Dúvidas? Escreva para {{ support_email }}.",
        },
        (AccountChanged, En) => Wording {
            subject: "Your {{ product_name }} account was changed",
            heading: "Your account was changed",
            body: "Hi {{ user_name }}. {{ change }}",
            button: "Sign in",
            expiry: "",
            ignore: "If you did not expect this, reset your password from the sign-in page and tell {{ organization_name }} at once.",
            footer: "Questions? Write to {{ support_email }}.",
        },
        (AccountChanged, Es) => Wording {
            subject: "Se ha modificado tu cuenta de {{ product_name }}",
            heading: "Se ha modificado tu cuenta",
            body: "Hola, {{ user_name }}. {{ change }}",
            button: "Iniciar sesión",
            expiry: "",
            ignore: "Si no lo esperabas, restablece tu contraseña desde la página de inicio de sesión y avisa enseguida a {{ organization_name }}.",
            footer: "¿Preguntas? Escribe a {{ support_email }}.",
        },
        (AccountChanged, De) => Wording {
            subject: "Ihr {{ product_name }}-Konto wurde geändert",
            heading: "Ihr Konto wurde geändert",
            body: "Hallo {{ user_name }}. {{ change }}",
            button: "Anmelden",
            expiry: "",
            ignore: "Wenn Sie das nicht erwartet haben, setzen Sie Ihr Passwort auf der Anmeldeseite zurück und informieren Sie sofort {{ organization_name }}.",
            footer: "Fragen? Schreiben Sie an {{ support_email }}.",
        },
        (AccountChanged, Fr) => Wording {
            subject: "Votre compte {{ product_name }} a été modifié",
            heading: "Votre compte a été modifié",
            body: "Bonjour {{ user_name }}. {{ change }}",
            button: "Se connecter",
            expiry: "",
            ignore: "Si vous ne vous y attendiez pas, réinitialisez votre mot de passe depuis la page de connexion et prévenez {{ organization_name }} sans attendre.",
            footer: "Des questions ? Écrivez à {{ support_email }}.",
        },
        (AccountChanged, Pt) => Wording {
            subject: "Sua conta do {{ product_name }} foi alterada",
            heading: "Sua conta foi alterada",
            body: "Olá, {{ user_name }}. {{ change }}",
            button: "Entrar",
            expiry: "",
            ignore: "Se você não esperava isso, redefina sua senha na página de entrada e avise {{ organization_name }} imediatamente.",
            footer: "Dúvidas? Escreva para {{ support_email }}.",
        },
    }
}

/// A change to someone's account, for the notice that tells them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountChange {
    /// Their sign-in address became `to`; the notice goes to the old one.
    Email {
        to: String,
    },
    Password,
    /// Their authenticator app and recovery codes were removed by the agency.
    SecondFactorReset,
}

/// The sentence that says what changed, in `language`.
pub(crate) fn describe_change(change: &AccountChange, language: Language) -> String {
    use Language::*;
    match (change, language) {
        (AccountChange::Email { to }, En) => format!("The email address you sign in with was changed to {to}."),
        (AccountChange::Email { to }, Es) => format!("La dirección de correo con la que inicias sesión se cambió a {to}."),
        (AccountChange::Email { to }, De) => format!("Die E-Mail-Adresse, mit der Sie sich anmelden, wurde in {to} geändert."),
        (AccountChange::Email { to }, Fr) => format!("L'adresse e-mail avec laquelle vous vous connectez a été remplacée par {to}."),
        (AccountChange::Email { to }, Pt) => format!("O e-mail com que você entra foi alterado para {to}."),
        (AccountChange::Password, En) => "The password of your account was changed.".to_owned(),
        (AccountChange::Password, Es) => "Se ha cambiado la contraseña de tu cuenta.".to_owned(),
        (AccountChange::Password, De) => "Das Passwort Ihres Kontos wurde geändert.".to_owned(),
        (AccountChange::Password, Fr) => "Le mot de passe de votre compte a été modifié.".to_owned(),
        (AccountChange::Password, Pt) => "A senha da sua conta foi alterada.".to_owned(),
        (AccountChange::SecondFactorReset, En) => "The two-factor sign-in of your account was reset: your authenticator app and recovery codes no longer work, and you will be asked to set it up again.".to_owned(),
        (AccountChange::SecondFactorReset, Es) => "Se ha restablecido la verificación en dos pasos de tu cuenta: tu aplicación de autenticación y tus códigos de recuperación ya no funcionan, y se te pedirá configurarla de nuevo.".to_owned(),
        (AccountChange::SecondFactorReset, De) => "Die Zwei-Faktor-Anmeldung Ihres Kontos wurde zurückgesetzt: Ihre Authenticator-App und Ihre Wiederherstellungscodes funktionieren nicht mehr, und Sie werden gebeten, sie neu einzurichten.".to_owned(),
        (AccountChange::SecondFactorReset, Fr) => "La connexion en deux étapes de votre compte a été réinitialisée : votre application d'authentification et vos codes de récupération ne fonctionnent plus, et il vous sera demandé de la configurer à nouveau.".to_owned(),
        (AccountChange::SecondFactorReset, Pt) => "A verificação em duas etapas da sua conta foi redefinida: seu aplicativo autenticador e seus códigos de recuperação não funcionam mais, e você precisará configurá-la de novo.".to_owned(),
    }
}
