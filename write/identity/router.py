"""Identity commands over HTTP (write API)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from write.deps import AdminUser, AppSettings, Issuer, WriteSession
from write.identity.commands import (
    ChangeUserAccess,
    Login,
    Logout,
    Refresh,
    Registered,
    RegisterUser,
    RequestEmail,
    ResetPassword,
    TokenPair,
    UserAccess,
    VerifyEmail,
)
from write.identity.handlers import admin, email, login, refresh, register

router = APIRouter(prefix="/api", tags=["identity"])
NO_CONTENT = status.HTTP_204_NO_CONTENT


@router.post("/auth/register", status_code=201, response_model=Registered)
async def register_endpoint(
    cmd: RegisterUser, uow: WriteSession, settings: AppSettings, response: Response
) -> Registered:
    """Register a student or teacher account; a verification mail follows."""
    result = await register.register_user(uow, cmd, settings)
    await uow.commit_into(response)
    return result


@router.post("/auth/login", response_model=TokenPair)
async def login_endpoint(cmd: Login, uow: WriteSession, issuer: Issuer,
                         response: Response) -> TokenPair:
    """Log in with email and password; starts a new session."""
    result = await login.login(uow, cmd, issuer)
    await uow.commit_into(response)
    return result


@router.post("/auth/refresh", response_model=TokenPair)
async def refresh_endpoint(cmd: Refresh, uow: WriteSession, issuer: Issuer,
                           response: Response) -> TokenPair:
    """Trade a refresh token for a new pair; a reused token ends the whole session."""
    try:
        result = await refresh.refresh(uow, cmd, issuer)
    except refresh.RefreshTokenReused:
        await uow.commit()
        raise
    await uow.commit_into(response)
    return result


@router.post("/auth/logout", status_code=NO_CONTENT)
async def logout_endpoint(cmd: Logout, uow: WriteSession, response: Response) -> None:
    """End the session the refresh token belongs to."""
    await refresh.logout(uow, cmd)
    await uow.commit_into(response)


@router.post("/auth/verify-email", status_code=NO_CONTENT)
async def verify_email_endpoint(cmd: VerifyEmail, uow: WriteSession, response: Response) -> None:
    """Confirm an email address with the token from the verification mail."""
    await email.verify_email(uow, cmd)
    await uow.commit_into(response)


@router.post("/auth/resend-verification", status_code=NO_CONTENT)
async def resend_verification_endpoint(cmd: RequestEmail, uow: WriteSession,
                                       settings: AppSettings) -> None:
    """Send the verification mail again (always 204; capped per account per hour)."""
    await email.resend_verification(uow, cmd, settings)
    await uow.commit()  # no consistency token: its presence would tell that the account exists


@router.post("/auth/forgot-password", status_code=NO_CONTENT)
async def forgot_password_endpoint(cmd: RequestEmail, uow: WriteSession,
                                   settings: AppSettings) -> None:
    """Mail a password-reset link (always 204; capped per account per hour)."""
    await email.forgot_password(uow, cmd, settings)
    await uow.commit()  # no consistency token: its presence would tell that the account exists


@router.post("/auth/reset-password", status_code=NO_CONTENT)
async def reset_password_endpoint(cmd: ResetPassword, uow: WriteSession,
                                  response: Response) -> None:
    """Set a new password with the token from the reset mail; ends every session."""
    await email.reset_password(uow, cmd)
    await uow.commit_into(response)


@router.patch("/admin/users/{user_id}", response_model=UserAccess)
async def change_user_access_endpoint(user_id: uuid.UUID, cmd: ChangeUserAccess,
                                      admin_user: AdminUser, uow: WriteSession,
                                      response: Response) -> UserAccess:
    """Change a user's role, teacher verification or blocked flag (admins only)."""
    result = await admin.change_user_access(uow, admin_user, user_id, cmd)
    await uow.commit_into(response)
    return result
