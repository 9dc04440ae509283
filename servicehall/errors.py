"""The hall's one error hierarchy.

Every expected failure is a :class:`ServiceHallError` subclass with a stable ``code`` a
front end can switch on, a Chinese ``label`` for people and a ``message`` that names the bad
value. GraphQL maps them in one place (``schema/errors.py``): queries surface them as
``errors[].extensions.code``; mutations return them in their payload's ``errors`` list.
Anything that is not a ``ServiceHallError`` is unexpected and masked before it leaves the
server.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, ClassVar


class ErrorCode(enum.Enum):
    """Codes of expected errors. Adding one is fine; renaming one breaks front ends."""

    INVALID_INPUT = "INVALID_INPUT"
    INVALID_CREDIT_CODE = "INVALID_CREDIT_CODE"
    INVALID_REGISTRATION_NUMBER = "INVALID_REGISTRATION_NUMBER"
    INVALID_ID = "INVALID_ID"
    INVALID_CURSOR = "INVALID_CURSOR"
    INVALID_CHARACTERS = "INVALID_CHARACTERS"
    INVALID_REPRESENTATION = "INVALID_REPRESENTATION"
    NOT_FOUND = "NOT_FOUND"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    CSRF_CHECK_FAILED = "CSRF_CHECK_FAILED"
    RATE_LIMITED = "RATE_LIMITED"
    CONFLICT = "CONFLICT"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    INVALID_ID_NUMBER = "INVALID_ID_NUMBER"
    CAPTCHA_INVALID = "CAPTCHA_INVALID"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    PASSWORD_INCORRECT = "PASSWORD_INCORRECT"  # noqa: S105 - an error code
    LICENCE_INVALID = "LICENCE_INVALID"
    ALREADY_ACTIVE = "ALREADY_ACTIVE"
    PROOF_MISMATCH = "PROOF_MISMATCH"
    CODE_INVALID = "CODE_INVALID"
    INVALID_CASE_NUMBER = "INVALID_CASE_NUMBER"
    ILLEGAL_TRANSITION = "ILLEGAL_TRANSITION"
    NOT_COMPLETED = "NOT_COMPLETED"
    INVALID_LICENSE_NUMBER = "INVALID_LICENSE_NUMBER"
    PURPOSE_REQUIRED = "PURPOSE_REQUIRED"
    LICENSE_REVOKED = "LICENSE_REVOKED"
    LICENSE_EXPIRED = "LICENSE_EXPIRED"
    CASE_CLOSED = "CASE_CLOSED"
    DEVICE_NOT_REGISTERED = "DEVICE_NOT_REGISTERED"
    OPERATION_NOT_ALLOWED = "OPERATION_NOT_ALLOWED"
    ITEM_CODE_EXISTS = "ITEM_CODE_EXISTS"
    NOTHING_CHANGED = "NOTHING_CHANGED"
    LEGAL_BASIS_REQUIRED = "LEGAL_BASIS_REQUIRED"
    UNKNOWN_LICENSE_TYPE = "UNKNOWN_LICENSE_TYPE"


class ServiceHallError(Exception):
    """Base of every expected error.

    Args:
        message: what went wrong, naming the offending value (Chinese: users read it).
        field: the input field at fault, in GraphQL spelling (``creditCode``), if any.
        details: extra machine-readable facts (e.g. ``{"check": "CHECK_CHARACTER"}``).
    """

    code: ClassVar[ErrorCode] = ErrorCode.INVALID_INPUT
    label: ClassVar[str] = "输入有误"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details: Mapping[str, Any] = details or {}

    @property
    def extensions(self) -> dict[str, Any]:
        """The ``extensions`` of the GraphQL error built from this one.

        graphql-core copies an original error's ``extensions`` dict into the located error,
        so every execution path (HTTP, WebSocket, federation) reports the same code.
        """
        data: dict[str, Any] = {"code": self.code.value, "label": self.label}
        if self.field is not None:
            data["field"] = self.field
        data.update(self.details)
        return data


class InvalidInput(ServiceHallError):
    code = ErrorCode.INVALID_INPUT
    label = "输入有误"


class InvalidCreditCode(InvalidInput):
    """A Unified Social Credit Code failed a check; ``details["check"]`` says which."""

    code = ErrorCode.INVALID_CREDIT_CODE
    label = "统一社会信用代码有误"


class InvalidRegistrationNumber(InvalidInput):
    code = ErrorCode.INVALID_REGISTRATION_NUMBER
    label = "工商注册号有误"


class InvalidId(InvalidInput):
    code = ErrorCode.INVALID_ID
    label = "编号格式有误"


class InvalidCursor(InvalidInput):
    code = ErrorCode.INVALID_CURSOR
    label = "分页游标无效"


class InvalidCharacters(InvalidInput):
    """Text carrying a control character (F9): refused at the edge, before any resolver.

    ``field`` names the argument, variable or form field; ``details["character"]`` the
    code point (``U+0000``).
    """

    code = ErrorCode.INVALID_CHARACTERS
    label = "含有不允许的控制字符"


class InvalidRepresentation(InvalidInput):
    """A federation ``_entities`` representation the hall cannot resolve (F10): an unknown
    ``__typename`` or a missing key field."""

    code = ErrorCode.INVALID_REPRESENTATION
    label = "实体表示无效"


class NotFound(ServiceHallError):
    code = ErrorCode.NOT_FOUND
    label = "未找到"


class Unauthenticated(ServiceHallError):
    code = ErrorCode.UNAUTHENTICATED
    label = "请先登录"


class Forbidden(ServiceHallError):
    code = ErrorCode.FORBIDDEN
    label = "无权访问"


class CsrfCheckFailed(Forbidden):
    """A state-changing form of the sign-in pages that this browser did not get from the
    hall (F7, F8): ``details["reason"]`` says which check failed."""

    code = ErrorCode.CSRF_CHECK_FAILED
    label = "请求来源无法核实"


class RateLimited(ServiceHallError):
    code = ErrorCode.RATE_LIMITED
    label = "操作过于频繁"


class Conflict(ServiceHallError):
    code = ErrorCode.CONFLICT
    label = "数据已变更"


class ServiceUnavailable(ServiceHallError):
    code = ErrorCode.SERVICE_UNAVAILABLE
    label = "服务暂时不可用"


class InvalidIdNumber(InvalidInput):
    code = ErrorCode.INVALID_ID_NUMBER
    label = "身份证号码有误"


class CaptchaInvalid(InvalidInput):
    code = ErrorCode.CAPTCHA_INVALID
    label = "验证码错误"


class InvalidCredentials(ServiceHallError):
    """The same answer for an unknown account and a wrong password (no enumeration)."""

    code = ErrorCode.INVALID_CREDENTIALS
    label = "账号或密码错误"


class PasswordIncorrect(ServiceHallError):
    code = ErrorCode.PASSWORD_INCORRECT
    label = "当前密码不正确"


class LicenceInvalid(ServiceHallError):
    code = ErrorCode.LICENCE_INVALID
    label = "营业执照不在有效期内"


class AlreadyActive(ServiceHallError):
    code = ErrorCode.ALREADY_ACTIVE
    label = "账号已激活"


class ProofMismatch(ServiceHallError):
    code = ErrorCode.PROOF_MISMATCH
    label = "身份核验不通过"


class CodeInvalid(ServiceHallError):
    code = ErrorCode.CODE_INVALID
    label = "短信验证码错误"


class InvalidCaseNumber(InvalidInput):
    """A case number failed a check (``details["check"]``): caught before any lookup."""

    code = ErrorCode.INVALID_CASE_NUMBER
    label = "办件编号有误"


class IllegalTransition(ServiceHallError):
    """A case cannot move from its current stage to the one asked for."""

    code = ErrorCode.ILLEGAL_TRANSITION
    label = "办件环节不可跳转"


class NotCompleted(ServiceHallError):
    """Only completed (办结) cases can be rated."""

    code = ErrorCode.NOT_COMPLETED
    label = "办件尚未办结"


class IllegalCatalogTransition(IllegalTransition):
    """A licence catalogue entry cannot take the step asked for (LIC-1)."""

    label = "证照目录状态不可变更"


class IllegalGrantTransition(IllegalTransition):
    """A browse grant cannot take the step asked for (LIC-2)."""

    label = "授权状态不可变更"


class IllegalFollowUpStep(Conflict):
    """A follow-up of a bad rating cannot take the step asked for (RATE-3). Its code stays
    ``CONFLICT``, as front ends knew it before follow-ups ran on the workflow engine."""

    label = "回访整改状态不可变更"


class IllegalDisputeStep(Conflict):
    """A rating's dispute cannot take the step asked for (RATE-2), e.g. a rating disputed
    already. Its code stays ``CONFLICT``, as front ends knew it before disputes ran on the
    workflow engine."""

    label = "评价异议状态不可变更"


class IllegalDeviceStep(Conflict):
    """A kiosk device's registration cannot take the step asked for (STA-4), e.g. a device
    revoked already. Its code stays ``CONFLICT``, as front ends knew it before."""

    label = "终端登记状态不可变更"


class InvalidLicenseNumber(InvalidInput):
    """A licence number failed a check (``details["check"]``): caught before any lookup."""

    code = ErrorCode.INVALID_LICENSE_NUMBER
    label = "证照编号有误"


class PurposeRequired(InvalidInput):
    """Someone other than the holder reads a licence without saying why (LIC-3)."""

    code = ErrorCode.PURPOSE_REQUIRED
    label = "请说明查阅事由"


class LicenseRevoked(ServiceHallError):
    code = ErrorCode.LICENSE_REVOKED
    label = "证照已撤销"


class LicenseExpired(ServiceHallError):
    code = ErrorCode.LICENSE_EXPIRED
    label = "证照已过期"


class CaseClosed(ServiceHallError):
    """A finished case (办结, 领取登记) takes no more material."""

    code = ErrorCode.CASE_CLOSED
    label = "办件已办结"


class DeviceNotRegistered(ServiceHallError):
    """A kiosk request without the credentials of a registered, unrevoked device."""

    code = ErrorCode.DEVICE_NOT_REGISTERED
    label = "本终端未登记"


class OperationNotAllowed(ServiceHallError):
    """A kiosk request for anything but one of the kiosk UI's own persisted operations."""

    code = ErrorCode.OPERATION_NOT_ALLOWED
    label = "自助终端不支持该操作"


class IllegalItemRequestTransition(IllegalTransition):
    """An item request (事项申请, ITEM-4) cannot take the step asked for."""

    label = "事项申请环节不可变更"


class ItemCodeExists(ServiceHallError):
    """A request to add an item names a code the registry already has (ITEM-4)."""

    code = ErrorCode.ITEM_CODE_EXISTS
    label = "事项编码已存在"


class NothingChanged(ServiceHallError):
    """A change request whose new version equals the published one (ITEM-4)."""

    code = ErrorCode.NOTHING_CHANGED
    label = "未作任何调整"


class LegalBasisRequired(InvalidInput):
    """A request or review that cites no law or regulation (《…》, ITEM-4)."""

    code = ErrorCode.LEGAL_BASIS_REQUIRED
    label = "须引用法律法规依据"


class UnknownLicenseType(InvalidInput):
    """A material names an e-licence type the licence catalogue does not have (ITEM-4)."""

    code = ErrorCode.UNKNOWN_LICENSE_TYPE
    label = "证照类型不存在"
