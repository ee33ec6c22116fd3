; NSIS installer for 一窗通 on Windows: the PyInstaller bundle (dist\yichuang) into
; Program Files\YiChuang, a Start-menu and desktop shortcut, an uninstaller that keeps
; the data (%LOCALAPPDATA%\YiChuang: cases, settings, logs, backups are never removed).
;   makensis /DVERSION=0.1.0 packaging\windows\yichuang.nsi   → dist\yichuang-0.1.0-setup.exe
; CI also compiles it on Linux against the Linux bundle (makensis -DEXE=yichuang) to
; keep the script valid; the Windows workflow builds the real one.
Unicode true
!ifdef CHECK_ONLY
  SetCompress off  ; CI's compile check on Linux: no minutes of lzma
!else
  SetCompressor /SOLID lzma
!endif
RequestExecutionLevel admin

!ifndef VERSION
  !define VERSION "0.1.0"
!endif
!ifndef EXE
  !define EXE "yichuang.exe"
!endif
!ifndef BUNDLE
  !define BUNDLE "..\..\dist\yichuang"
!endif
!ifndef OUTFILE
  !define OUTFILE "..\..\dist\yichuang-${VERSION}-setup.exe"
!endif
!define APP "YiChuang"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP}"

Name "一窗通 ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APP}"
InstallDirRegKey HKLM "Software\${APP}" "InstallDir"
Icon "..\..\resources\icons\yichuang.ico"
UninstallIcon "..\..\resources\icons\yichuang.ico"

!include "MUI2.nsh"
!define MUI_ICON "..\..\resources\icons\yichuang.ico"
!define MUI_UNICON "..\..\resources\icons\yichuang.ico"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN "$INSTDIR\${EXE}"
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"

Section "一窗通" SecMain
  SectionIn RO
  ; an upgrade replaces the program folder whole (no stale modules), never the data
  RMDir /r "$INSTDIR\_internal"
  SetOutPath "$INSTDIR"
  File /r "${BUNDLE}\*.*"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKLM "Software\${APP}" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "一窗通 YiChuang"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "YiChuang"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${EXE}"
  WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
  SetShellVarContext all
  CreateDirectory "$SMPROGRAMS\一窗通"
  CreateShortcut "$SMPROGRAMS\一窗通\一窗通.lnk" "$INSTDIR\${EXE}" "run"
  CreateShortcut "$SMPROGRAMS\一窗通\卸载一窗通.lnk" "$INSTDIR\uninstall.exe"
  CreateShortcut "$DESKTOP\一窗通.lnk" "$INSTDIR\${EXE}" "run"
SectionEnd

Section "Uninstall"
  ; the program only: %LOCALAPPDATA%\YiChuang (database, settings, logs, backups) stays
  SetShellVarContext all
  Delete "$DESKTOP\一窗通.lnk"
  RMDir /r "$SMPROGRAMS\一窗通"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${EXE}"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINST_KEY}"
  DeleteRegKey HKLM "Software\${APP}"
SectionEnd
