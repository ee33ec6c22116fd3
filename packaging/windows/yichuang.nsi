; NSIS installer for 一窗通 on Windows: the PyInstaller bundle (dist\yichuang) into
; Program Files\YiChuang, a Start-menu and desktop shortcut, an uninstaller that keeps
; the data (%LOCALAPPDATA%\YiChuang: cases, settings, logs, backups are never removed).
;   makensis /DVERSION=0.1.0 packaging\windows\yichuang.nsi   → dist\yichuang-0.1.0-setup.exe
; CI also compiles it on Linux against the Linux bundle (makensis -DEXE=yichuang) to
; keep the script valid; the Windows workflow builds the real one.
; The hall's settings, set once by the county IT person (docs/operations.md):
;   yichuang-0.1.0-setup.exe /HALL=D:\城关镇\hall.json        (add /S for no pages)
; copies the hall file to $INSTDIR\hall.json and checks it (yichuang config check);
; each workstation's first start takes its values into settings.json. A wrong value
; is named with its field and the installer exits with code 2.
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
!include "FileFunc.nsh"
!include "LogicLib.nsh"
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
  Call InstallHallFile
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

; /HALL=FILE: the hall file beside the program, checked by the program itself
Function InstallHallFile
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/HALL=" $R1
  ${If} ${Errors}
    Return  ; no hall file given: a hall.json already there (an upgrade) stays
  ${EndIf}
  ${IfNot} ${FileExists} "$R1"
    MessageBox MB_ICONSTOP "找不到大厅配置文件：$R1" /SD IDOK
    SetErrorLevel 2
    Abort "找不到大厅配置文件：$R1"
  ${EndIf}
  CopyFiles /SILENT "$R1" "$INSTDIR\hall.json"
  DetailPrint "大厅配置文件：$R1 → $INSTDIR\hall.json"
  nsExec::ExecToStack '"$INSTDIR\${EXE}" config check "$INSTDIR\hall.json"'
  Pop $R2  ; the exit code
  Pop $R3  ; what it printed (each wrong field on its own line)
  ${If} $R2 != 0
    DetailPrint "$R3"
    MessageBox MB_ICONEXCLAMATION "大厅配置文件有误，请改正后重新安装（或用 yichuang config set 逐项修改）：$\r$\n$\r$\n$R3" /SD IDOK
    SetErrorLevel 2
  ${EndIf}
FunctionEnd

Section "Uninstall"
  ; the program only: %LOCALAPPDATA%\YiChuang (database, settings, logs, backups) stays
  SetShellVarContext all
  Delete "$DESKTOP\一窗通.lnk"
  RMDir /r "$SMPROGRAMS\一窗通"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${EXE}"
  Delete "$INSTDIR\hall.json"  ; its values live on in each user's settings.json
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINST_KEY}"
  DeleteRegKey HKLM "Software\${APP}"
SectionEnd
